"""Upkeep of recordings, on every node: lease renewal, finishing what a crashed node left, retention.

A recording's audio lives in its node's memory until the recording ends, so a node that crashes
(killed, out of memory, power) leaves its rows in state ``recording``, and possibly a file it had
already stored under a row it had not yet completed, or a temporary ``.part-`` file it was
writing. Left alone, such a row is never listed and never reaches retention, and such files are
never served and never deleted.

So a node holds a *lease* on each row it is recording (``lease_until``, wall-clock, renewed every
minute while it lives). Any node finishes a row whose lease ran out: when the whole file is in
the store (the crash came after the write), the row is completed from the file (its duration is
the file's) and transcribed if it asked for that; otherwise the audio died with the node and the
row is marked ``failed`` (not listed, swept by retention like any other). On SQLite there is only
ever one node, so at start-up every row still ``recording`` is a previous run's and is finished at
once. Temporary files older than any write takes are removed.
"""

import asyncio
import logging
import time
from datetime import datetime, timezone

from sqlalchemy import ColumnElement, or_, select, update

from switchboard.media import RATE, audiofile
from switchboard.media.audiofile import DecodeError
from switchboard.voice.recording.models import Recording
from switchboard.voice.recording.service import Recordings, lease_until

log = logging.getLogger("switchboard.voice")
TICK_SECONDS = 60.0
SWEEP_SECONDS = 3600.0
PARTIAL_SECONDS = 600.0  # a .part- file this old is no write in progress (a write takes well under a second)


async def renew(recordings: Recordings) -> None:
    """Extend the lease of every row this node is recording."""
    held = list(recordings.held)
    if not held:
        return
    async with recordings.sessionmaker() as session:
        await session.execute(update(Recording).where(Recording.recording_id.in_(held), Recording.state == "recording")
                              .values(lease_until=lease_until()))
        await session.commit()


async def recover(recordings: Recordings, *, everything: bool = False, now: datetime | None = None) -> int:
    """Finish rows left ``recording`` by a node that is gone: those whose lease ran out by ``now``
    (default: the wall clock), or all of them (``everything``: the only node has just started),
    never this node's own. How many were finished."""
    expired = or_(Recording.lease_until.is_(None), Recording.lease_until < (now or datetime.now(timezone.utc)))
    orphaned = select(Recording).where(Recording.state == "recording")
    if not everything:
        orphaned = orphaned.where(expired)
    async with recordings.sessionmaker() as session:
        rows = [row for row in (await session.scalars(orphaned)).all() if row.recording_id not in recordings.held]
    finished = 0
    for row in rows:
        finished += await _finish_orphan(recordings, row, None if everything else expired)
    if finished:
        log.warning("%d recordings left unfinished by a stopped node were finished", finished)
    return finished


async def _finish_orphan(recordings: Recordings, row: Recording, expired: ColumnElement[bool] | None) -> int:
    key = f"{row.recording_id}.{row.recording_format}"
    values: dict[str, object] = {"state": "failed", "storage_key": "", "file_size": 0, "lease_until": None}
    path = recordings.store.path(key)
    if path is not None:
        try:
            data = await asyncio.to_thread(path.read_bytes)
            samples = await asyncio.to_thread(audiofile.decode, data)
            duration_ms = int(round(len(samples) / RATE * 1000))
            values.update(state="completed", storage_key=key, file_size=len(data), recording_duration_ms=duration_ms,
                          recording_end_ms=row.recording_start_ms + duration_ms)
        except (OSError, DecodeError) as exc:
            log.error("recording %s: the file left by a stopped node is unreadable, removed: %s", row.recording_id, exc)
            await asyncio.to_thread(recordings.store.delete, key)
    claim = update(Recording).where(Recording.recording_id == row.recording_id, Recording.state == "recording")
    if expired is not None:
        claim = claim.where(expired)
    async with recordings.sessionmaker() as session:
        claimed = (await session.execute(claim.values(**values))).rowcount  # type: ignore[attr-defined]
        await session.commit()
    if claimed and values["state"] == "completed" and row.transcription_type and row.transcription_url:
        recordings.spawn(recordings.transcribe(row.recording_id), f"transcribe-{row.recording_id}")
    return 1 if claimed else 0


async def run_upkeep(recordings: Recordings, single_node: bool) -> None:
    """Every minute: renew this node's leases and finish orphaned rows; every hour: retention
    and stale temporary files."""
    everything, swept = single_node, float("-inf")
    while True:
        try:
            await renew(recordings)
            await recover(recordings, everything=everything)
            everything = False
            if time.monotonic() - swept >= SWEEP_SECONDS:
                swept = time.monotonic()
                await recordings.sweep()
                await asyncio.to_thread(recordings.store.remove_partial, PARTIAL_SECONDS)
        except Exception:
            log.exception("recording upkeep failed")
        await asyncio.sleep(TICK_SECONDS)  # real time: a virtual clock must not jump for it
