"""HTTP routes: ``Message/`` and ``Media/``, and the public ``/media/{media_id}`` files."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts.auth import AuthContext, authenticate, client_address
from switchboard.accounts.scope import visible
from switchboard.core.clock import format_time
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.http import API_PREFIX, ClockDep, Session, resource_uri
from switchboard.core.pagination import fetch_page, meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, plivo_response
from switchboard.messaging import service
from switchboard.messaging.media import MAX_MEDIA_BYTES, MAX_UPLOAD_FILES, check_type, get_media, new_media
from switchboard.messaging.models import Media, Message
from switchboard.messaging.send import country_of
from switchboard.messaging.schemas import (
    MediaGet,
    MediaList,
    MediaListResponse,
    MediaUploaded,
    MessageGet,
    MessageList,
    MessageListResponse,
    MessageMediaList,
    MessageSend,
    MessageSent,
)
from switchboard.numbers.phone import network_name
from switchboard.pricing.table import format_rate

router = APIRouter(prefix=API_PREFIX, tags=["Message"], responses=ERROR_RESPONSES)
public = APIRouter(tags=["Media files"])

Ctx = Annotated[AuthContext, Depends(authenticate)]

ERROR_MESSAGES = {
    10: "Invalid Message", 20: "Network Error", 30: "Spam Detected", 40: "Invalid Source Number",
    50: "Invalid Destination Number", 60: "Loop Detected", 70: "Destination Permanently Unavailable",
    80: "Destination Temporarily Unavailable", 90: "No Route Available", 100: "Prohibited By Carrier",
    110: "Message Too Long", 120: "MMS Message Payload Too Large", 200: "Source number blocked by STOP from destination number",
    300: "Failed to dispatch message", 420: "Message expired", 900: "Insufficient Credit", 1000: "Unknown Error",
}


def _precise(value: Any) -> str | None:
    return value.isoformat(sep=" ") if value is not None else None


def message_json(row: Message) -> dict[str, Any]:
    """The MDR. Fields of Plivo services Switchboard does not run carry Plivo's empty values: 10DLC
    campaigns and India's DLT (null), WhatsApp conversations and sender replacement (""); carrier
    fees are real and nil (Switchboard adds none)."""
    owner = row.sub_account_id or row.account_id
    source, destination = country_of(row.from_number), country_of(row.to_number)
    outbound = row.message_direction == "outbound"
    return {
        "error_code": str(row.error_code) if row.error_code is not None else None,
        "error_message": ERROR_MESSAGES.get(row.error_code, "Unknown Error") if row.error_code is not None else "",
        "from_number": row.from_number,
        "message_direction": row.message_direction,
        "message_state": row.message_state,
        "message_time": format_time(row.message_time),
        "message_type": row.message_type,
        "message_uuid": row.message_uuid,
        "resource_uri": resource_uri(owner, "Message", row.message_uuid),
        "to_number": row.to_number,
        "total_amount": format_rate(row.total_amount),
        "total_rate": format_rate(row.total_rate),
        "units": row.units,
        "message_sent_time": _precise(row.sent_time),
        "message_updated_time": _precise(row.updated_time),
        "destination_country_iso2": row.destination_country_iso2,
        "powerpack_id": row.powerpack_uuid,
        "requester_ip": row.requester_ip,
        "is_domestic": bool(source) and source == destination,
        "replaced_sender": "",
        "destination_network": network_name(row.to_number) if outbound else None,
        "carrier_fees": "0.00000",
        "carrier_fees_rate": "0.00000",
        "log": "true" if row.log else "false",
        "tendlc_campaign_id": None,
        "tendlc_registration_status": None,
        "dlt_entity_id": None,
        "dlt_template_id": None,
        "dlt_template_category": None,
        "conversation_id": "",
        "conversation_origin": "",
        "conversation_expiration_timestamp": "",
    }


def media_url(request: Request, media_id: str) -> str:
    return f"{request.app.state.settings.resolved_public_url}/media/{media_id}"


def media_json(request: Request, row: Media, message_uuid: str | None = None) -> dict[str, Any]:
    result = {
        "content_type": row.content_type,
        "file_name": row.file_name,
        "media_id": row.media_id,
        "media_url": media_url(request, row.media_id),
        "size": row.size,
        "upload_time": row.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    if message_uuid is not None:
        result["message_uuid"] = message_uuid
    return result


@router.post("/Message/", status_code=202, response_model=MessageSent, summary="Send a message",
             openapi_extra=openapi_body(MessageSend))
async def send_message(request: Request, ctx: Ctx, session: Session, clock: ClockDep,
                       params: Annotated[MessageSend, Depends(body(MessageSend))]) -> Response:
    uuids = await service.send(session, clock, request.app.state.messaging, ctx, params, client_address(request))
    return plivo_response({"message": "message(s) queued", "message_uuid": uuids}, 202)


@router.get("/Message/", response_model=MessageListResponse, summary="List messages")
async def list_messages(request: Request, ctx: Ctx, session: Session, params: Annotated[MessageList, Query()]) -> Response:
    rows, total = await service.list_messages(session, ctx, params)
    filters = params.model_dump(exclude={"limit", "offset"}, exclude_none=True)
    return plivo_response({"meta": meta(request.url.path, filters, params.limit, params.offset, total),
                           "objects": [message_json(row) for row in rows]})


@router.get("/Message/{message_uuid}/", response_model=MessageGet, summary="Get a message")
async def get_message(ctx: Ctx, session: Session, message_uuid: str) -> Response:
    return plivo_response(message_json(await service.get_message(session, ctx, message_uuid)))


@router.get("/Message/{message_uuid}/Media/", response_model=MessageMediaList, summary="List the media of a message")
async def list_message_media(request: Request, ctx: Ctx, session: Session, message_uuid: str) -> Response:
    message = await service.get_message(session, ctx, message_uuid)
    rows = await service.message_media(session, message.message_uuid)
    return plivo_response({"message_uuid": message_uuid, "objects": [media_json(request, row, message_uuid) for row in rows]})


@router.post("/Media/", status_code=201, response_model=MediaUploaded, summary="Upload media (multipart, field 'file')",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
async def upload_media(request: Request, ctx: Ctx, session: Session, clock: ClockDep) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        raise ValidationError("upload media as multipart/form-data with one or more 'file' fields")
    try:
        form = await request.form(max_files=MAX_UPLOAD_FILES, max_part_size=MAX_MEDIA_BYTES + 1)
    except Exception as exc:  # the multipart parser raises several types for bad input
        raise ValidationError(f"malformed multipart body: {exc}") from None
    files = [item for item in form.getlist("file") if not isinstance(item, str)]
    if not files:
        raise ValidationError("file is required: send one or more files in 'file' fields")
    owner = service.owner_of(ctx)
    rows = []
    for upload in files:
        content = await upload.read()
        if len(content) > MAX_MEDIA_BYTES:
            raise ValidationError(f"file {upload.filename}: larger than {MAX_MEDIA_BYTES} bytes (2 MB per file)")
        if not content:
            raise ValidationError(f"file {upload.filename}: empty")
        kind = check_type(upload.content_type or "", f"file {upload.filename}")
        rows.append(new_media(owner, content, kind, upload.filename or "", clock.now()))
    session.add_all(rows)
    await session.commit()
    objects = [{**media_json(request, row), "status": "success", "status_code": 201} for row in rows]
    return plivo_response({"objects": objects}, 201)


@router.get("/Media/", response_model=MediaListResponse, summary="List media")
async def list_media(request: Request, ctx: Ctx, session: Session, params: Annotated[MediaList, Query()]) -> Response:
    statement = visible(ctx, Media)
    rows, total = await fetch_page(session, statement.order_by(Media.upload_time.desc(), Media.media_id), params)
    return plivo_response({"meta": meta(request.url.path, {}, params.limit, params.offset, total),
                           "objects": [media_json(request, row) for row in rows]})


@router.get("/Media/{media_id}/", response_model=MediaGet, summary="Get a medium")
async def get_medium(request: Request, ctx: Ctx, session: Session, media_id: str) -> Response:
    return plivo_response(media_json(request, await get_media(session, service.owner_of(ctx), media_id)))


@public.get("/media/{media_id}", summary="The content of a medium (public, by its unguessable id)",
            response_class=Response, responses={404: {"description": "No such medium"}})
async def media_content(session: Session, media_id: str) -> Response:
    row = await session.get(Media, media_id)
    if row is None:
        raise NotFoundError(f"no media {media_id}")
    return Response(row.content, media_type=row.content_type)
