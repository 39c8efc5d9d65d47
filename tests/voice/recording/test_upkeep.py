"""What a crashed node leaves behind is finished, never lost in between: its rows in state
``recording`` (the audio in its memory died with it: failed; a file it had already stored under the
row: completed from the file), its temporary files; a live node's rows are left alone.

The crash is made by dropping what the recording service holds in memory (as a killed process
would) and stopping the server: its shutdown then finishes nothing."""

import asyncio
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from switchboard.media import audiofile, tones
from switchboard.voice.recording.models import Recording
from switchboard.voice.recording.service import LEASE, Target
from switchboard.voice.recording.upkeep import recover
from tests.conftest import running_server
from tests.voice.conftest import Sim
from tests.voice.recording.conftest import download, recordings
from tests.voice.test_live import wait_until


async def _begin(app: Any, auth_id: str, name: str, file_format: str) -> str:
    ends: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    target = Target(auth_id, None, ends, recording_type="conference", conference_name=name)
    return (await app.state.voice.recordings.begin(target, file_format, directions=("out",))).recording_id


async def _crash(app: Any, stored: str) -> None:
    """Forget every recording under way, as a killed node does; ``stored`` had its file written."""
    service = app.state.voice.recordings
    for active in service.active.values():
        if active.watcher is not None:
            active.watcher.cancel()
    service.active.clear()
    service.held.clear()
    await asyncio.to_thread(service.store.put, f"{stored}.wav", audiofile.encode(tones.beep(2.0, 440).tobytes(), "wav"))


async def _states(app: Any) -> dict[str, str]:
    async with app.state.voice.recordings.sessionmaker() as session:
        return {row.recording_id: row.state for row in (await session.scalars(select(Recording))).all()}


async def _recover_later(app: Any) -> int:
    """Recovery as it runs once every lease taken before now has run out."""
    return await recover(app.state.voice.recordings, now=datetime.now(timezone.utc) + LEASE * 2)


def test_a_crashed_nodes_recordings_are_finished_and_a_live_ones_left_alone(empty_database: str,
                                                                           tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(empty_database, data, clock="virtual") as first:
        account = first.new_main_account()
        lost = first.call(_begin, account.auth_id, "lost", "mp3")
        stored = first.call(_begin, account.auth_id, "stored", "wav")
        first.call(_crash, stored)
    parts = data / "recordings" / "zz"
    parts.mkdir(parents=True)
    (parts / ".part-old").write_bytes(b"half a file")
    os.utime(parts / ".part-old", (time.time() - 3600, time.time() - 3600))
    (parts / ".part-new").write_bytes(b"being written")  # another node may be writing it now

    with running_server(empty_database, data, clock="virtual") as second:
        sim = Sim(second, account)
        if empty_database.startswith("sqlite"):  # the only node: at start-up every such row is a past run's
            wait_until(lambda: second.call(_states)[lost] == "failed")
        else:  # another node might still be recording them until their lease runs out
            wait_until(lambda: not (parts / ".part-old").exists())  # the first upkeep round has run
            assert second.call(_states) == {lost: "recording", stored: "recording"}
        live = second.call(_begin, account.auth_id, "live", "mp3")
        second.call(_recover_later)
        assert second.call(_states) == {lost: "failed", stored: "completed", live: "recording"}
        assert second.call(_recover_later) == 0

        [row] = recordings(sim)
        assert row["recording_id"] == stored and float(row["recording_duration_ms"]) == 2000
        assert abs(len(audiofile.decode(download(sim, row["recording_url"]))) - 16000) == 0
        assert not any(data.rglob(f"{lost}.*"))
        assert not (parts / ".part-old").exists() and (parts / ".part-new").exists()
        sim.http.close()
