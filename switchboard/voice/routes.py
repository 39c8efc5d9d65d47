"""HTTP routes: ``Call/`` (make, list, get, transfer, hang up) and ``Request/`` (cancel)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import NotFoundError
from switchboard.core.http import API_PREFIX, ClockDep, Session
from switchboard.core.ids import new_api_id
from switchboard.core.pagination import ListResponse, meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response
from switchboard.voice import async_api, causes, service
from switchboard.voice.engine import VoiceEngine
from switchboard.voice.schemas import AsyncRequest, CallCreate, CallFired, CallGet, CallList, CallObject, CallTransfer

router = APIRouter(prefix=API_PREFIX, tags=["Call"], responses={**ERROR_RESPONSES, **async_api.SPAWNED_RESPONSE})

Ctx = Annotated[AuthContext, Depends(authenticate)]


def engine(request: Request) -> VoiceEngine:
    return request.app.state.voice


Engine = Annotated[VoiceEngine, Depends(engine)]


@router.post("/Call/", status_code=201, response_model=CallFired, summary="Make a call",
             openapi_extra=openapi_body(CallCreate))
async def make_call(ctx: Ctx, session: Session, clock: ClockDep, voice: Engine,
                    params: Annotated[CallCreate, Depends(body(CallCreate))]) -> Response:
    async def make() -> Response:
        calls = await service.place_calls(session, voice, clock, ctx, params)
        uuids: Any = [call.request_uuid for call in calls]
        message = "call queued" if any(call.queued_for > 0 for call in calls) else "call fired"
        return plivo_response({"message": message, "request_uuid": uuids[0] if len(uuids) == 1 else uuids}, 201)

    return await async_api.respond(voice, ctx, params, make, "call fired")


@router.get("/Call/", response_model=ListResponse[CallObject], summary="List call records, or live/queued calls")
async def list_calls(request: Request, ctx: Ctx, voice: Engine, params: Annotated[CallList, Query()]) -> Response:
    async def listing() -> Response:
        if params.status is not None:
            found = ([call for call in service.visible_live(voice, ctx) if call.status == "queued"]
                     if params.status == "queued" else service.live_now(voice, ctx))
            calls = [call for call in found
                     if (params.call_direction is None or call.direction == params.call_direction)
                     and (params.from_number is None or call.from_.lstrip("+") == params.from_number.lstrip("+"))
                     and (params.to_number is None or call.to.lstrip("+") == params.to_number.lstrip("+"))]
            calls.sort(key=lambda call: call.initiation_time)
            page = calls[params.offset:params.offset + params.limit]
            return plivo_response({"calls": [call.call_uuid for call in page]})
        async with voice.sessionmaker() as session:
            rows, total = await service.list_records(session, ctx, params)
        query = params.model_dump(exclude_defaults=True, exclude={"callback_url", "callback_method"})
        return plivo_response({
            "meta": meta(request.url.path, query, params.limit, params.offset, total),
            "objects": [{**service.record_json(row), "api_id": new_api_id()} for row in rows],
        })

    return await async_api.respond(voice, ctx, params, listing, "")


@router.get("/Call/{call_uuid}/", response_model=CallObject, summary="Get a call record, or a live/queued call")
async def get_call(ctx: Ctx, voice: Engine, call_uuid: str, params: Annotated[CallGet, Query()]) -> Response:
    async def get() -> Response:
        if params.status in ("live", "queued"):
            call = service.live_call(voice, ctx, call_uuid)
            if (call.status == "queued") != (params.status == "queued"):
                raise NotFoundError(f"call {call_uuid} is not {params.status}")
            return plivo_response(call.live_json())
        async with voice.sessionmaker() as session:
            return plivo_response(service.record_json(await service.get_record(session, ctx, call_uuid)))

    return await async_api.respond(voice, ctx, params, get, "")


@router.post("/Call/{call_uuid}/", status_code=202, response_model=Message, summary="Transfer a live call",
             openapi_extra=openapi_body(CallTransfer))
async def transfer_call(ctx: Ctx, voice: Engine, call_uuid: str,
                        params: Annotated[CallTransfer, Depends(body(CallTransfer))]) -> Response:
    service.check_transfer(params)  # answered at once, before an async request's callback is queued

    async def transfer() -> Response:
        service.transfer(voice, ctx, call_uuid, params)
        return plivo_response({"message": "call transfered"}, 202)

    return await async_api.respond(voice, ctx, params, transfer, "call transfered")


AsyncBody = Annotated[AsyncRequest, Depends(body(AsyncRequest))]


@router.delete("/Call/{call_uuid}/", status_code=204, response_class=Response, summary="Hang up a call",
               openapi_extra=openapi_body(AsyncRequest, required=False))
async def hangup_call(ctx: Ctx, voice: Engine, call_uuid: str, params: AsyncBody) -> Response:
    async def hangup() -> Response:
        await service.hang_up(voice, ctx, call_uuid)
        return no_content()

    return await async_api.respond(voice, ctx, params, hangup, "call hung up")


@router.delete("/Request/{request_uuid}/", status_code=204, response_class=Response,
               summary="Cancel a queued or ringing call", openapi_extra=openapi_body(AsyncRequest, required=False))
async def cancel_request(ctx: Ctx, voice: Engine, request_uuid: str, params: AsyncBody) -> Response:
    async def cancel() -> Response:
        call = voice.requests.get(request_uuid)
        if call is None or not call.is_live or call.answered or call.account_id != ctx.main_auth_id or (
                ctx.sub_auth_id is not None and call.sub_account_id != ctx.sub_auth_id):
            raise NotFoundError(f"request {request_uuid} not found, or its call was already answered or ended")
        await voice.finish(call, causes.CANCELED, causes.API_REQUEST)
        return no_content()

    return await async_api.respond(voice, ctx, params, cancel, "call cancelled")
