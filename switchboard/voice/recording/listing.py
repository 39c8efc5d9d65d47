"""Reading recordings: the ``Recording/`` list filters, one recording, and the Recording object;
shared by the API's routes and the console's Logs > Recordings."""

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import of_subaccount, visible
from switchboard.billing.rating import rounded_recording_minutes
from switchboard.core.errors import NotFoundError
from switchboard.core.http import resource_uri
from switchboard.core.pagination import fetch_page
from switchboard.pricing.table import rate_table
from switchboard.voice.recording.models import Recording
from switchboard.voice.recording.schemas import RecordingList
from switchboard.voice.recording.service import Recordings
from switchboard.voice.service import _OPS


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def storage_days(row: Recording, now: datetime) -> int:
    """Plivo's ``recording_storage_duration``: 1 in the first 24 hours, one more every 24 hours."""
    return max(0, (now - _utc(row.add_time)).days) + 1


def recording_json(store: Recordings, row: Recording, now: datetime) -> dict[str, Any]:
    """The Recording object. Its storage rate and amount are numbers, as in Plivo's fixture; the
    amount is what the latest month's storage charge cost (0 until the first)."""
    owner = row.sub_account_id or row.account_id
    return {
        "add_time": _utc(row.add_time).isoformat(sep=" ", timespec="microseconds"),
        "call_uuid": row.call_uuid,
        "conference_name": row.conference_name,
        "from_number": row.from_number,
        "to_number": row.to_number,
        "monthly_recording_storage_amount": float(row.storage_amount or 0),
        "recording_duration_ms": f"{row.recording_duration_ms:.5f}",
        "recording_end_ms": f"{row.recording_end_ms:.5f}",
        "recording_format": row.recording_format,
        "recording_id": row.recording_id,
        "recording_start_ms": f"{row.recording_start_ms:.5f}",
        "recording_storage_duration": storage_days(row, now),
        "recording_storage_rate": float(rate_table().storage),
        "recording_type": row.recording_type,
        "recording_url": store.url(owner, row.recording_id, row.recording_format),
        "resource_uri": resource_uri(owner, "Recording", row.recording_id),
        "rounded_recording_duration": 60 * rounded_recording_minutes(row.recording_duration_ms),
    }


async def find_recording(session: AsyncSession, ctx: AuthContext, recording_id: str) -> Recording:
    row = None
    if len(recording_id) <= 36:
        row = await session.scalar(visible(ctx, Recording).where(Recording.recording_id == recording_id,
                                                                 Recording.state == "completed"))
    if row is None:
        raise NotFoundError(f"recording {recording_id} not found")
    return row


def recordings_statement(ctx: AuthContext, params: RecordingList, now: datetime) -> Select[tuple[Recording]]:
    """The completed recordings ``params`` select, newest first."""
    statement = of_subaccount(visible(ctx, Recording).where(Recording.state == "completed"), ctx, Recording,
                              params.subaccount, "recordings")
    for column in ("call_uuid", "from_number", "to_number", "conference_name", "conference_uuid", "mpc_name",
                   "mpc_uuid"):
        value = getattr(params, column)
        if value is not None:
            statement = statement.where(getattr(Recording, column) == value)
    for op, when in params.add_time_bounds().items():
        statement = statement.where(getattr(Recording.add_time, _OPS[op])(when))
    for op, value in params.storage_days_bounds().items():
        # value N ⇔ N - 1 whole days stored ⇔ added in (now - N days, now - (N - 1) days]
        days = value - 1
        day_start, day_end = now - timedelta(days=days + 1), now - timedelta(days=days)
        bound = {"": (Recording.add_time > day_start) & (Recording.add_time <= day_end),
                 "gt": Recording.add_time <= day_start, "gte": Recording.add_time <= day_end,
                 "lt": Recording.add_time > day_end, "lte": Recording.add_time > day_start}[op]
        statement = statement.where(bound)
    return statement.order_by(Recording.add_time.desc(), Recording.recording_id)


async def list_recordings(session: AsyncSession, ctx: AuthContext, params: RecordingList,
                          now: datetime) -> tuple[list[Recording], int]:
    return await fetch_page(session, recordings_statement(ctx, params, now), params)
