"""``Call/{uuid}/Stream/``: start a stream on a live call, list and read a call's streams, stop
them (all, or one)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.http import API_PREFIX
from switchboard.core.pagination import ListResponse, meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, no_content, plivo_response
from switchboard.voice import service
from switchboard.voice.routes import Engine
from switchboard.voice.stream.schemas import StreamList, StreamObject, StreamStart, StreamStarted, stream_json
from switchboard.voice.stream.service import StreamRefused
from switchboard.voice.stream.session import StreamOptions, StreamSession

router = APIRouter(prefix=API_PREFIX, tags=["Call"], responses=ERROR_RESPONSES)
Ctx = Annotated[AuthContext, Depends(authenticate)]


@router.post("/Call/{call_uuid}/Stream/", status_code=201, response_model=StreamStarted,
             summary="Stream a live call's audio to a WebSocket", openapi_extra=openapi_body(StreamStart))
async def start_stream(ctx: Ctx, voice: Engine, call_uuid: str,
                       params: Annotated[StreamStart, Depends(body(StreamStart))]) -> Response:
    call = service.live_call(voice, ctx, call_uuid)
    if not call.answered:
        raise ValidationError(f"call {call_uuid} is not answered yet")
    if params.bidirectional and params.audio_track != "inbound":
        raise ValidationError("audio_track: a bidirectional stream streams the inbound track only")
    options = StreamOptions(
        service_url=params.service_url, bidirectional=params.bidirectional, audio_track=params.audio_track,
        stream_timeout=params.stream_timeout, status_callback_url=params.status_callback_url,
        status_callback_method=params.status_callback_method, content_type=params.content_type,
        extra_headers=params.extra_headers, noise_cancellation=params.noise_cancellation,
        noise_cancellation_level=params.noise_cancellation_level,
    )
    try:
        session = voice.streams.start(call, options)
    except StreamRefused as exc:
        raise ValidationError(str(exc)) from None
    return plivo_response({"message": "audio streaming started", "stream_id": session.stream_id}, 201)


def _streams(voice: Engine, ctx: AuthContext, call_uuid: str) -> list[StreamSession]:
    found = voice.streams.of_call(call_uuid)
    if found:
        owner = found[0].call
        if service.is_mine(owner, ctx):
            return found
        raise NotFoundError(f"call {call_uuid} not found")
    service.live_call(voice, ctx, call_uuid)  # 404 for a call that is not this account's or not live
    return []


@router.get("/Call/{call_uuid}/Stream/", response_model=ListResponse[StreamObject], summary="List a call's streams")
async def list_streams(ctx: Ctx, voice: Engine, call_uuid: str, params: Annotated[StreamList, Query()]) -> Response:
    found = _streams(voice, ctx, call_uuid)
    page = found[params.offset:params.offset + params.limit]
    page_meta = meta(f"/v1/Account/{ctx.account.auth_id}/Call/{call_uuid}/Stream/", {}, params.limit, params.offset,
                     len(found))
    page_meta["count"] = len(found)  # the SDK fixtures' name; the docs' is total_count: both are sent
    return plivo_response({"meta": page_meta, "objects": [stream_json(s, ctx.account.auth_id) for s in page]})


@router.get("/Call/{call_uuid}/Stream/{stream_id}/", response_model=StreamObject, summary="Get a stream")
async def get_stream(ctx: Ctx, voice: Engine, call_uuid: str, stream_id: str) -> Response:
    found = next((s for s in _streams(voice, ctx, call_uuid) if s.stream_id == stream_id), None)
    if found is None:
        raise NotFoundError(f"stream {stream_id} not found on call {call_uuid}")
    return plivo_response(stream_json(found, ctx.account.auth_id))


@router.delete("/Call/{call_uuid}/Stream/", status_code=204, response_class=Response, summary="Stop a call's streams")
async def stop_streams(ctx: Ctx, voice: Engine, call_uuid: str) -> Response:
    active = [s for s in _streams(voice, ctx, call_uuid) if s.is_active]
    if not active:
        raise ValidationError("No active stream found")
    for session in active:
        session.stop()
    return no_content()


@router.delete("/Call/{call_uuid}/Stream/{stream_id}/", status_code=204, response_class=Response,
               summary="Stop a stream")
async def stop_stream(ctx: Ctx, voice: Engine, call_uuid: str, stream_id: str) -> Response:
    active = [s for s in _streams(voice, ctx, call_uuid) if s.is_active and s.stream_id == stream_id]
    if not active:
        raise ValidationError("No active stream found")
    active[0].stop()
    return no_content()
