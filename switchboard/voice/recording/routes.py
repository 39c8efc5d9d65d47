"""HTTP routes: ``Call/{uuid}/Record/`` (start, stop), ``Recording/`` (list, get, delete, and the
audio file itself), ``Transcription/{recording_id}/`` (get, create, delete).

The audio of a recording is served at its ``recording_url``,
``/v1/Account/{auth_id}/Recording/{recording_id}.mp3`` (or ``.wav``), to HTTP Basic auth of the
owning account or of its main account, like every other API resource: another account's
credentials get a 404, as for any resource they cannot see.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.errors import NotFoundError, PlivoError, ValidationError
from switchboard.core.http import API_PREFIX, ClockDep, Session
from switchboard.core.ids import new_api_id
from switchboard.core.pagination import ListResponse, meta
from switchboard.core.params import body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response
from switchboard.media.audiofile import CONTENT_TYPES
from switchboard.voice import service
from switchboard.voice.recording import listing
from switchboard.voice.recording.schemas import (
    CallRecordStart,
    CallRecordStop,
    RecordingList,
    RecordingObject,
    RecordingStarted,
    TranscriptionCreate,
    TranscriptionGet,
    TranscriptionObject,
)
from switchboard.voice.recording.service import Callback, Recordings
from switchboard.voice.recording.storage import StorageFull
from switchboard.voice.routes import Engine

router = APIRouter(prefix=API_PREFIX, tags=["Recording"], responses=ERROR_RESPONSES)
Ctx = Annotated[AuthContext, Depends(authenticate)]


def recordings(request: Request) -> Recordings:
    return request.app.state.voice.recordings


Store = Annotated[Recordings, Depends(recordings)]


# --- Call/{uuid}/Record/ ---------------------------------------------------------------------------

@router.post("/Call/{call_uuid}/Record/", status_code=202, response_model=RecordingStarted, tags=["Call"],
             summary="Start recording a live call", openapi_extra=openapi_body(CallRecordStart, required=False))
async def start_recording(ctx: Ctx, voice: Engine, store: Store, call_uuid: str,
                          params: Annotated[CallRecordStart, Depends(body(CallRecordStart))]) -> Response:
    call = service.live_call(voice, ctx, call_uuid)
    if call.leg is None or not call.answered:
        raise ValidationError(f"call {call_uuid} is not answered yet")
    transcription = ("", "", "POST")
    if params.transcription_type and params.transcription_url:
        transcription = (params.transcription_type, params.transcription_url, params.transcription_method)
    api_id = new_api_id()  # the callback carries the api_id of the request that started the recording
    try:
        active = await store.begin(call, params.file_format, stereo=params.record_channel_type == "stereo",
                                   max_seconds=float(params.time_limit),
                                   callback=Callback(params.callback_url, params.callback_method, "api", api_id=api_id),
                                   transcription=transcription)
    except StorageFull as exc:
        raise PlivoError(f"recording not started: {exc}", status_code=503) from None
    return plivo_response({"api_id": api_id, "message": "call recording started", "recording_id": active.recording_id,
                           "url": store.url(call.owner, active.recording_id, params.file_format)}, 202)


@router.delete("/Call/{call_uuid}/Record/", status_code=204, response_class=Response, tags=["Call"],
               summary="Stop recording a live call")
async def stop_recording(ctx: Ctx, voice: Engine, store: Store, call_uuid: str,
                         params: Annotated[CallRecordStop, Depends(body(CallRecordStop))]) -> Response:
    call = service.live_call(voice, ctx, call_uuid)
    running = [a for a in store.active.values() if a.target.call is call and a.callback.style == "api"
               and (not params.URL or store.url(call.owner, a.recording_id, a.file_format) == params.URL)]
    if not running:
        raise NotFoundError(f"call {call_uuid} has no recording in progress" + (f" at {params.URL}" if params.URL else ""))
    for active in running:
        await store.end(active)
    return no_content()


# --- Recording/ ------------------------------------------------------------------------------------

@router.get("/Recording/", response_model=ListResponse[RecordingObject], summary="List recordings")
async def list_recordings(request: Request, ctx: Ctx, session: Session, clock: ClockDep, store: Store,
                          params: Annotated[RecordingList, Query()]) -> Response:
    now = clock.now()
    rows, total = await listing.list_recordings(session, ctx, params, now)
    return plivo_response({
        "meta": meta(request.url.path, params.model_dump(exclude_defaults=True), params.limit, params.offset, total),
        "objects": [listing.recording_json(store, row, now) for row in rows],
    })


@router.get("/Recording/{recording_id}/", response_model=RecordingObject,
            summary="Get a recording (its file at {recording_id}.mp3 or .wav)")
async def get_recording(ctx: Ctx, session: Session, clock: ClockDep, store: Store, recording_id: str) -> Response:
    stem, dot, extension = recording_id.rpartition(".")
    if dot and extension in CONTENT_TYPES:
        row = await listing.find_recording(session, ctx, stem)
        path = store.store.path(row.storage_key) if row.recording_format == extension else None
        if path is None:
            raise NotFoundError(f"recording file {recording_id} not found")
        return FileResponse(path, media_type=CONTENT_TYPES[extension], filename=recording_id)
    return plivo_response(listing.recording_json(store, await listing.find_recording(session, ctx, recording_id), clock.now()))


@router.delete("/Recording/{recording_id}/", status_code=204, response_class=Response, summary="Delete a recording")
async def delete_recording(ctx: Ctx, session: Session, store: Store, recording_id: str) -> Response:
    await store.delete(session, await listing.find_recording(session, ctx, recording_id))
    return no_content()


# --- Transcription/ --------------------------------------------------------------------------------

@router.get("/Transcription/{recording_id}/", response_model=TranscriptionObject, tags=["Recording"],
            summary="Get the transcription of a recording")
async def get_transcription(ctx: Ctx, session: Session, recording_id: str,
                            params: Annotated[TranscriptionGet, Query()]) -> Response:
    row = await listing.find_recording(session, ctx, recording_id)
    if not row.transcription_status:
        raise NotFoundError(f"recording {recording_id} has no transcription")
    return plivo_response({
        "cost": 0.0, "rate": 0.0, "recording_duration_ms": row.recording_duration_ms,
        "recording_start_ms": row.recording_start_ms,
        "status": {"in-progress": "in-progress", "success": "success"}.get(row.transcription_status, "failed"),
        "transcription": row.transcription,
    })


@router.post("/Transcription/{recording_id}/", status_code=201, response_model=Message, tags=["Recording"],
             summary="Transcribe a recording", openapi_extra=openapi_body(TranscriptionCreate, required=False))
async def create_transcription(ctx: Ctx, session: Session, store: Store, recording_id: str,
                               params: Annotated[TranscriptionCreate, Depends(body(TranscriptionCreate))]) -> Response:
    row = await listing.find_recording(session, ctx, recording_id)
    if row.transcription_status == "in-progress":
        raise PlivoError(f"recording {recording_id} is already being transcribed", status_code=409)
    store.spawn(store.transcribe(row.recording_id, (params.transcription_callback_url,
                                                    params.transcription_callback_method)),
                f"transcribe-{row.recording_id}")
    return plivo_response({"message": "transcription in progress"}, 201)


@router.delete("/Transcription/{recording_id}/", status_code=202, response_model=Message, tags=["Recording"],
               summary="Delete the transcription of a recording")
async def delete_transcription(ctx: Ctx, session: Session, recording_id: str) -> Response:
    row = await listing.find_recording(session, ctx, recording_id)
    if not row.transcription_status:
        raise NotFoundError(f"recording {recording_id} has no transcription")
    row.transcription_status, row.transcription = "", ""
    await session.commit()
    return plivo_response({"message": "request accepted"}, 202)
