"""HTTP routes that act on a live call's media: ``Call/{uuid}/Play/``, ``Speak/`` and ``DTMF/``.

Played audio and speech are mixed over whatever the call is doing (``mix=true``, the default);
with ``mix=false`` the call's current prompt is cut short first. ``legs``/``leg``: ``aleg`` is
the call (the A-leg of its ``<Dial>`` bridge, whichever leg's uuid was given, as for transfers),
``bleg`` the party it is bridged to, ``both`` the two; a call not bridged has no B-leg (400).
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import ValidationError
from switchboard.core.params import body, openapi_body
from switchboard.core.http import API_PREFIX
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response
from switchboard.network.channel import Audio, CallLeg, Media, Speech
from switchboard.voice import async_api, service
from switchboard.voice.audio import AudioError
from switchboard.voice.call import LiveCall
from switchboard.voice.engine import VoiceEngine
from switchboard.voice.elements import AttributeError_, language, voice as check_voice
from switchboard.voice.routes import AsyncBody, Engine
from switchboard.voice.schemas import AsyncRequest, CallDigits, CallPlay, CallSpeak

router = APIRouter(prefix=API_PREFIX, tags=["Call"], responses={**ERROR_RESPONSES, **async_api.SPAWNED_RESPONSE})

Ctx = Annotated[AuthContext, Depends(authenticate)]
FOREVER = 10_000


def _targets(call: LiveCall, legs: str) -> list[CallLeg]:
    """The legs ``legs`` names, answered and up."""
    bridge = call.dial
    if legs != "aleg" and bridge is None:
        raise ValidationError(f"legs: call {call.call_uuid} has no B-leg (it is not bridged by <Dial>)")
    if call.leg is None or not call.answered:
        raise ValidationError(f"call {call.call_uuid} is not answered yet")
    parties = [call] if bridge is None else [bridge.a] if legs == "aleg" else [bridge.b] if legs == "bleg" \
        else [bridge.a, bridge.b]
    return [party.leg for party in parties if party.leg is not None and party.leg.is_up]


async def _together(tasks: list["asyncio.Task[None]"]) -> None:
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


def _start(voice: VoiceEngine, call: LiveCall, kind: str, legs: list[CallLeg], media: list[Media], loop: bool, mix: bool,
           length: int | None) -> Response:
    """Play or speak over the legs; the answer says "<kind> started"."""
    previous = call.overlays.pop(kind, None)
    if previous is not None:
        previous.cancel()
    if not mix:
        for leg in legs:
            leg.stop_media()
    task = asyncio.create_task(_together([leg.overlay(media, FOREVER if loop else 1) for leg in legs]),
                               name=f"{kind}-{call.call_uuid}")
    call.overlays[kind] = task
    if length is not None:
        async def cut() -> None:
            await call.clock.sleep(length)
            task.cancel()

        voice.spawn(cut(), f"{kind}-length-{call.call_uuid}")
    return plivo_response({"message": f"{kind} started"}, 202)


async def _stop(voice: VoiceEngine, ctx: AuthContext, call_uuid: str, kind: str) -> Response:
    task = service.live_call(voice, ctx, call_uuid).overlays.pop(kind, None)
    if task is not None:
        task.cancel()
    return no_content()


@router.post("/Call/{call_uuid}/Play/", status_code=202, response_model=Message, summary="Play audio on a live call",
             openapi_extra=openapi_body(CallPlay))
async def play(ctx: Ctx, voice: Engine, call_uuid: str, params: Annotated[CallPlay, Depends(body(CallPlay))]) -> Response:
    async def start() -> Response:
        call = service.live_call(voice, ctx, call_uuid)
        legs = _targets(call, params.legs)
        media: list[Media] = []
        for url in [u.strip() for u in params.urls.split(",") if u.strip()]:
            if not url.lower().startswith(("http://", "https://")):
                raise ValidationError(f"urls: {url!r} is not an http(s) URL")
            try:
                media.append(Audio(url, await voice.audio.seconds(url)))
            except AudioError as exc:
                raise ValidationError(f"urls: {exc}") from None
        return _start(voice, call, "play", legs, media, params.loop, params.mix, params.length)

    return await async_api.respond(voice, ctx, params, start, "play started")


@router.delete("/Call/{call_uuid}/Play/", status_code=204, response_class=Response, summary="Stop playing audio",
               openapi_extra=openapi_body(AsyncRequest, required=False))
async def stop_play(ctx: Ctx, voice: Engine, call_uuid: str, params: AsyncBody) -> Response:
    return await async_api.respond(voice, ctx, params, lambda: _stop(voice, ctx, call_uuid, "play"), "play stopped")


@router.post("/Call/{call_uuid}/Speak/", status_code=202, response_model=Message, summary="Speak text on a live call",
             openapi_extra=openapi_body(CallSpeak))
async def speak(ctx: Ctx, voice: Engine, call_uuid: str, params: Annotated[CallSpeak, Depends(body(CallSpeak))]) -> Response:
    async def start() -> Response:
        call = service.live_call(voice, ctx, call_uuid)
        legs = _targets(call, params.legs)
        try:
            speech = Speech(params.text, check_voice(params.voice), language(params.language))
        except AttributeError_ as exc:
            raise ValidationError(f"voice/language: {exc}") from None
        return _start(voice, call, "speak", legs, [speech], params.loop, params.mix, None)

    return await async_api.respond(voice, ctx, params, start, "speak started")


@router.delete("/Call/{call_uuid}/Speak/", status_code=204, response_class=Response, summary="Stop speaking",
               openapi_extra=openapi_body(AsyncRequest, required=False))
async def stop_speak(ctx: Ctx, voice: Engine, call_uuid: str, params: AsyncBody) -> Response:
    return await async_api.respond(voice, ctx, params, lambda: _stop(voice, ctx, call_uuid, "speak"), "speak stopped")


@router.post("/Call/{call_uuid}/DTMF/", status_code=202, response_model=Message, summary="Send digits on a live call",
             openapi_extra=openapi_body(CallDigits))
async def send_digits(ctx: Ctx, voice: Engine, call_uuid: str,
                      params: Annotated[CallDigits, Depends(body(CallDigits))]) -> Response:
    async def send() -> Response:
        for leg in _targets(service.live_call(voice, ctx, call_uuid), params.leg):
            voice.spawn(leg.send_digits(params.digits), f"dtmf-{call_uuid}")
        return plivo_response({"message": "digits sent"}, 202)

    return await async_api.respond(voice, ctx, params, send, "digits sent")
