"""HTTP routes: ``Conference/`` (list, hang up all), ``Conference/{name}/`` (get, hang up) and the
member operations under ``Conference/{name}/Member/{member_id}/`` (``member_id`` is one id, a
comma-separated list, or ``all``). Rooms are those of the authenticated (sub)account; a room or
member that is not (or no longer) there is a 404."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, StringConstraints

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import NotFoundError, PlivoError, ValidationError
from switchboard.core.http import API_PREFIX
from switchboard.core.ids import new_api_id
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response
from switchboard.core.validators import Url
from switchboard.network.channel import Audio, Media, Speech
from switchboard.voice import causes
from switchboard.voice.audio import AudioError
from switchboard.voice.conference import recording
from switchboard.voice.conference.room import Room, RoomMember
from switchboard.voice.elements import AttributeError_, language, voice as check_voice
from switchboard.voice.recording.schemas import ConferenceRecordStart, RecordingStarted
from switchboard.voice.recording.service import Callback
from switchboard.voice.recording.storage import StorageFull
from switchboard.voice.routes import Engine
from switchboard.voice.schemas import VoiceParams

router = APIRouter(prefix=API_PREFIX, tags=["Conference"], responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


class ConferenceList(BaseModel):
    api_id: str
    conferences: list[str]


class MemberMessage(BaseModel):
    api_id: str
    message: str
    member_id: str


class MemberAction(VoiceParams):
    """Mute, Deaf, Kick: no parameters (the SDK echoes the path ids; unknown keys are ignored)."""


class MemberPlay(VoiceParams):
    url: Url


class MemberSpeak(VoiceParams):
    text: Annotated[str, StringConstraints(min_length=1, max_length=3000)]
    voice: str = "WOMAN"
    language: str = "en-US"


def _owner(ctx: AuthContext) -> str:
    return ctx.sub_auth_id or ctx.main_auth_id


def _room(voice: Engine, ctx: AuthContext, name: str) -> Room:
    room = voice.conferences.get(_owner(ctx), name)
    if room is None or not room.members:
        raise NotFoundError(f"conference {name!r} not found (no one is in it)")
    return room


def _members(voice: Engine, ctx: AuthContext, name: str, member_id: str) -> list[RoomMember]:
    members = _room(voice, ctx, name).find(member_id)
    if not members:
        raise NotFoundError(f"member {member_id} is not in conference {name!r} (it left, or never joined)")
    return members


def _done(message: str, member_id: str) -> Response:
    return plivo_response({"message": message, "member_id": member_id}, 202)


async def _hang_up(voice: Engine, rooms: list[Room]) -> None:
    for room in rooms:
        for member in list(room.members.values()):
            await voice.finish(member.call, causes.NORMAL_HANGUP, causes.API_REQUEST)


@router.get("/Conference/", response_model=ConferenceList, summary="List live conferences")
async def list_conferences(ctx: Ctx, voice: Engine) -> Response:
    return plivo_response({"conferences": [room.name for room in voice.conferences.of(_owner(ctx)) if room.members]})


@router.delete("/Conference/", status_code=204, response_class=Response, summary="Hang up every conference")
async def hang_up_all(ctx: Ctx, voice: Engine) -> Response:
    await _hang_up(voice, voice.conferences.of(_owner(ctx)))
    return no_content()


@router.get("/Conference/{conference_name}/", summary="A live conference and its members")
async def get_conference(ctx: Ctx, voice: Engine, conference_name: str) -> Response:
    return plivo_response(_room(voice, ctx, conference_name).json())


@router.delete("/Conference/{conference_name}/", status_code=204, response_class=Response,
               summary="Hang up a conference")
async def hang_up(ctx: Ctx, voice: Engine, conference_name: str) -> Response:
    await _hang_up(voice, [_room(voice, ctx, conference_name)])
    return no_content()


# --- members -----------------------------------------------------------------------------------

def _set(voice: Engine, ctx: AuthContext, name: str, member_id: str, muted: bool | None = None,
         deaf: bool | None = None) -> None:
    room = _room(voice, ctx, name)
    for member in _members(voice, ctx, name, member_id):
        member.muted = member.muted if muted is None else muted
        member.deaf = member.deaf if deaf is None else deaf
        room.apply(member)


@router.post("/Conference/{conference_name}/Member/{member_id}/Mute/", status_code=202, response_model=MemberMessage,
             summary="Mute members", openapi_extra=openapi_body(MemberAction))
async def mute(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    _set(voice, ctx, conference_name, member_id, muted=True)
    return _done("muted", member_id)


@router.delete("/Conference/{conference_name}/Member/{member_id}/Mute/", status_code=204, response_class=Response,
               summary="Unmute members")
async def unmute(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    _set(voice, ctx, conference_name, member_id, muted=False)
    return no_content()


@router.post("/Conference/{conference_name}/Member/{member_id}/Deaf/", status_code=202, response_model=MemberMessage,
             summary="Make members deaf", openapi_extra=openapi_body(MemberAction))
async def deaf(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    _set(voice, ctx, conference_name, member_id, deaf=True)
    return _done("deaf", member_id)


@router.delete("/Conference/{conference_name}/Member/{member_id}/Deaf/", status_code=204, response_class=Response,
               summary="Let members hear again")
async def undeaf(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    _set(voice, ctx, conference_name, member_id, deaf=False)
    return no_content()


@router.post("/Conference/{conference_name}/Member/{member_id}/Kick/", status_code=202, response_model=MemberMessage,
             summary="Kick members out (their action URL runs)", openapi_extra=openapi_body(MemberAction))
async def kick(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    for member in _members(voice, ctx, conference_name, member_id):
        member.leave("kick")
    return _done("kicked", member_id)


@router.delete("/Conference/{conference_name}/Member/{member_id}/", status_code=204, response_class=Response,
               summary="Hang up members' calls")
async def hang_up_member(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    for member in _members(voice, ctx, conference_name, member_id):
        await voice.finish(member.call, causes.NORMAL_HANGUP, causes.API_REQUEST)
    return no_content()


def _overlay(members: list[RoomMember], kind: str, media: list[Media]) -> None:
    for member in members:
        previous = member.overlays.pop(kind, None)
        if previous is not None:
            previous.cancel()
        if member.call.leg is not None:
            member.overlays[kind] = member.call.leg.overlay(media, 1)


def _stop(members: list[RoomMember], kind: str) -> None:
    for member in members:
        task = member.overlays.pop(kind, None)
        if task is not None:
            task.cancel()


@router.post("/Conference/{conference_name}/Member/{member_id}/Play/", status_code=202, response_model=MemberMessage,
             summary="Play audio to members", openapi_extra=openapi_body(MemberPlay))
async def play(ctx: Ctx, voice: Engine, conference_name: str, member_id: str,
               params: Annotated[MemberPlay, Depends(body(MemberPlay))]) -> Response:
    members = _members(voice, ctx, conference_name, member_id)
    try:
        media: list[Media] = [Audio(params.url, await voice.audio.seconds(params.url))]
    except AudioError as exc:
        raise ValidationError(f"url: {exc}") from None
    _overlay(members, "play", media)
    return _done("play queued into conference", member_id)


@router.delete("/Conference/{conference_name}/Member/{member_id}/Play/", status_code=204, response_class=Response,
               summary="Stop playing audio to members")
async def stop_play(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    _stop(_members(voice, ctx, conference_name, member_id), "play")
    return no_content()


@router.post("/Conference/{conference_name}/Member/{member_id}/Speak/", status_code=202, response_model=MemberMessage,
             summary="Speak text to members", openapi_extra=openapi_body(MemberSpeak))
async def speak(ctx: Ctx, voice: Engine, conference_name: str, member_id: str,
                params: Annotated[MemberSpeak, Depends(body(MemberSpeak))]) -> Response:
    members = _members(voice, ctx, conference_name, member_id)
    try:
        speech = Speech(params.text, check_voice(params.voice), language(params.language))
    except AttributeError_ as exc:
        raise ValidationError(f"voice/language: {exc}") from None
    _overlay(members, "speak", [speech])
    return _done("speak queued into conference", member_id)


@router.delete("/Conference/{conference_name}/Member/{member_id}/Speak/", status_code=204, response_class=Response,
               summary="Stop speaking to members")
async def stop_speak(ctx: Ctx, voice: Engine, conference_name: str, member_id: str) -> Response:
    _stop(_members(voice, ctx, conference_name, member_id), "speak")
    return no_content()


# --- recording -----------------------------------------------------------------------------------

@router.post("/Conference/{conference_name}/Record/", status_code=202, response_model=RecordingStarted,
             summary="Start recording a conference", openapi_extra=openapi_body(ConferenceRecordStart, required=False))
async def start_recording(ctx: Ctx, voice: Engine, conference_name: str,
                          params: Annotated[ConferenceRecordStart, Depends(body(ConferenceRecordStart))]) -> Response:
    room = _room(voice, ctx, conference_name)
    transcription = ("", "", "POST")
    if params.transcription_type and params.transcription_url:
        transcription = (params.transcription_type, params.transcription_url, params.transcription_method)
    api_id = new_api_id()  # the callback carries it too
    try:
        active = await recording.record(room, params.file_format,
                                        Callback(params.callback_url, params.callback_method, "api", api_id=api_id),
                                        transcription)
    except StorageFull as exc:
        raise PlivoError(f"recording not started: {exc}", status_code=503) from None
    return plivo_response({"api_id": api_id, "message": "conference recording started", "recording_id": active.recording_id,
                           "url": voice.recordings.url(active.target.owner, active.recording_id, params.file_format)},
                          202)


@router.delete("/Conference/{conference_name}/Record/", status_code=204, response_class=Response,
               summary="Stop recording a conference")
async def stop_recording(ctx: Ctx, voice: Engine, conference_name: str) -> Response:
    if not await recording.stop(_room(voice, ctx, conference_name)):
        raise NotFoundError(f"conference {conference_name!r} is not being recorded")
    return no_content()
