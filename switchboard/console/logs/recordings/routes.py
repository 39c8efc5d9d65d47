"""Logs > Recordings: the recordings with the ``Recording/`` list filters; play, download, delete.

The audio is served by the console itself (``/logs/recordings/{id}/audio``) to the signed-in
session, which sees only its own account's recordings: the page never puts credentials in a URL."""

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.console.logs.listing import Filter, LogList, Statement, export, show
from switchboard.console.pages import PageError, shown
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.clock import Clock, format_time
from switchboard.core.http import ClockDep, Session
from switchboard.core.pagination import PageParams
from switchboard.media.audiofile import CONTENT_TYPES
from switchboard.voice.recording import listing
from switchboard.voice.recording.models import Recording
from switchboard.voice.recording.schemas import RecordingList
from switchboard.voice.recording.service import Recordings

router = APIRouter(include_in_schema=False)
BASE = "/logs/recordings"
_ADDED = "Add Time"

RECORDINGS = LogList(
    path=BASE, nav="recording_logs", title="Recordings", model=RecordingList, rows="logs/recordings/rows.html",
    csv_name="recordings",
    filters=(
        Filter("call_uuid", "Call UUID"),
        Filter("from_number", "From Number"),
        Filter("to_number", "To Number"),
        Filter("conference_name", "Conference Name"),
        Filter("add_time__gte", f"{_ADDED} from", "time"),
        Filter("add_time__lte", f"{_ADDED} until", "time"),
        Filter("recording_storage_duration__gte", "Stored at least (days)", "number"),
        Filter("subaccount", "Sub Account", hint="Auth ID of a subaccount"),
    ),
    csv_columns=(
        ("recording_id", lambda row: row.recording_id), ("call_uuid", lambda row: row.call_uuid),
        ("recording_type", lambda row: row.recording_type), ("from_number", lambda row: row.from_number),
        ("to_number", lambda row: row.to_number), ("conference_name", lambda row: row.conference_name),
        ("add_time", lambda row: format_time(row.add_time)), ("recording_duration_ms", lambda row: row.recording_duration_ms),
        ("recording_format", lambda row: row.recording_format), ("sub_account", lambda row: row.sub_account_id or ""),
    ),
)


def _statement(ctx: AuthContext, clock: Clock) -> Statement:
    async def statement(_session: AsyncSession, params: PageParams) -> Select[tuple[Recording]]:
        assert isinstance(params, RecordingList)
        return listing.recordings_statement(ctx, params, clock.now())
    return statement


def _store(request: Request) -> Recordings:
    return request.app.state.voice.recordings


async def _visible(session: AsyncSession, ctx: AuthContext, recording_id: str) -> Recording:
    return await shown(listing.find_recording(session, ctx, recording_id))


@router.get(BASE, response_class=HTMLResponse)
async def recording_list(request: Request, ctx: Console, session: Session, clock: ClockDep) -> Response:
    return await show(request, ctx, session, RECORDINGS, _statement(ctx, clock),
                      {"deleted": request.query_params.get("deleted", "")})


@router.get(BASE + ".csv")
async def recording_csv(request: Request, ctx: Console, clock: ClockDep) -> Response:
    return await export(request, ctx, RECORDINGS, _statement(ctx, clock))


@router.get(BASE + "/{recording_id}/audio")
async def recording_audio(request: Request, ctx: Console, session: Session, recording_id: str) -> Response:
    """The recording's file, to play (inline) or, with ``?download=1``, to save."""
    row = await _visible(session, ctx, recording_id)
    path = _store(request).store.path(row.storage_key) if row.storage_key else None
    if path is None:
        raise PageError(404, f"recording file {recording_id} not found")
    name = f"{row.recording_id}.{row.recording_format}"
    disposition = "attachment" if request.query_params.get("download") else "inline"
    return FileResponse(path, media_type=CONTENT_TYPES[row.recording_format], filename=name,
                        content_disposition_type=disposition)


@router.get(BASE + "/{recording_id}/delete", response_class=HTMLResponse)
async def confirm_delete(request: Request, ctx: Console, session: Session, recording_id: str) -> Response:
    """The confirmation page (a form, so deleting works without JavaScript)."""
    row = await _visible(session, ctx, recording_id)
    return render(request, "logs/recordings/delete.html", {"nav": "recording_logs", "who": ctx.account, "rec": row})


@router.post(BASE + "/{recording_id}/delete")
async def delete_recording(request: Request, ctx: Console, session: Session, recording_id: str) -> Response:
    row = await _visible(session, ctx, recording_id)
    await _store(request).delete(session, row)
    return RedirectResponse(f"{BASE}?deleted={recording_id}", status_code=303)
