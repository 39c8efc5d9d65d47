"""The life of a recording: begin (a row in state ``recording`` and a recorder on the leg), end
(render what the line carried, encode MP3/WAV, store the file, complete the row), the callbacks
(``callbackUrl`` of ``<Record>``, ``callback_url`` of the Record API), transcription, and
retention. ``app.state.voice.recordings`` is the running :class:`Recordings`.

Units are Plivo's: durations in seconds in ``RecordingDuration`` and milliseconds in the ``…Ms``
fields, start/end as epoch milliseconds.
"""

import asyncio
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.billing.rating import rate_transcription
from switchboard.billing.service import charge_row, ledger_insert
from switchboard.core.clock import Clock
from switchboard.core.ids import new_api_id, new_uuid
from switchboard.media import asr, audiofile
from switchboard.pricing.table import ZERO, format_rate
from switchboard.voice.audio import AudioFetcher
from switchboard.voice.call import LiveCall
from switchboard.voice.recording.models import Recording
from switchboard.voice.recording.recorder import DIRECTIONS, Recorder
from switchboard.voice.recording.storage import RecordingStore, StorageFull
from switchboard.webhooks.service import Webhooks

log = logging.getLogger("switchboard.voice")
LEASE = timedelta(minutes=5)
TRANSCRIBABLE_MS = (500, 4 * 3600 * 1000)  # Plivo transcribes recordings longer than 500 ms, shorter than 4 h


@dataclass
class Callback:
    """Where a finished recording is reported. ``style`` "xml": CamelCase (``<Record callbackUrl>``,
    a conference's ``ConferenceAction=record``); "api": snake_case (the Record APIs). ``extra`` is
    sent too (a conference adds ``ConferenceAction, ConferenceName, ConferenceUUID`` …)."""

    url: str = ""
    method: str = "POST"
    style: str = "xml"
    extra: dict[str, str] = field(default_factory=dict)
    api_id: str = ""
    """"api": the ``api_id`` of the request that started the recording (a fresh one if unknown)."""


@dataclass
class Target:
    """What is recorded, for the row and the callbacks: a call (:meth:`of_call`) or, fed by a
    mixer, a conference. ``ends`` is done when the recorded thing ends (the recording stops then)."""

    account_id: str
    sub_account_id: str | None
    ends: "asyncio.Future[None]"
    call: LiveCall | None = None
    call_uuid: str = ""
    from_number: str = ""
    to_number: str = ""
    recording_type: str = "call"
    conference_name: str = ""
    conference_uuid: str = ""

    @classmethod
    def of_call(cls, call: LiveCall) -> "Target":
        assert call.finished is not None
        return cls(call.account_id, call.sub_account_id, call.finished, call, call.call_uuid, call.from_, call.to)

    @property
    def owner(self) -> str:
        return self.sub_account_id or self.account_id


@dataclass
class Active:
    """A recording under way."""

    recording_id: str
    target: Target
    file_format: str
    recorder: Recorder
    start_ms: int
    callback: Callback = field(default_factory=Callback)
    transcription: tuple[str, str, str] = ("", "", "POST")  # type, url, method
    action: tuple[str, str] | None = None
    """``<Record>``'s action (url, method) while the element waits: sent here if the call ends first."""
    finishing: "asyncio.Task[Recording | None] | None" = None
    watcher: "asyncio.Task[None] | None" = None


def lease_until() -> datetime:
    """A lease from now: wall-clock time, shared by the nodes (the virtual clock is one node's)."""
    return datetime.now(timezone.utc) + LEASE


def epoch_ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)


class Recordings:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, webhooks: Webhooks,
                 store: RecordingStore, audio: AudioFetcher, public_url: str, retention_days: float | None = None):
        self.sessionmaker, self.clock, self.webhooks, self.store = sessionmaker, clock, webhooks, store
        self.audio, self.public_url, self.retention_days = audio, public_url.rstrip("/"), retention_days
        self.active: dict[str, Active] = {}
        self.on_dial_answer: dict[str, list[Any]] = {}
        """``startOnDialAnswer`` recordings waiting, by call uuid (``recording/bridge.py``)."""
        self.held: set[str] = set()
        """Recordings whose row this node holds in state ``recording`` (its lease is renewed: upkeep.py)."""
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Any, name: str) -> "asyncio.Task[Any]":
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def url(self, owner: str, recording_id: str, file_format: str) -> str:
        return f"{self.public_url}/v1/Account/{owner}/Recording/{recording_id}.{file_format}"

    # --- begin and end -------------------------------------------------------------------------

    async def begin(self, what: LiveCall | Target, file_format: str, *, directions: tuple[str, ...] = DIRECTIONS,
                    stereo: bool = False, max_seconds: float | None = None, callback: Callback | None = None,
                    transcription: tuple[str, str, str] = ("", "", "POST")) -> Active:
        """Start recording now; it ends by :meth:`end`, after ``max_seconds``, or when the target
        ends. A call's leg feeds the recorder by itself; any other target (a conference) is fed
        by calling ``active.recorder.hear`` with its media events. Raises :class:`StorageFull`
        when the store has no room (nothing is written)."""
        if not self.store.has_room():
            raise StorageFull("the recording store is full")
        target = Target.of_call(what) if isinstance(what, LiveCall) else what
        recorder = Recorder(directions, stereo)
        recorder.start(self.clock.monotonic())
        if target.call is not None and target.call.leg is not None:
            recorder.attach(target.call.leg, recorder.started or 0.0)
        active = Active(new_uuid(), target, file_format, recorder, epoch_ms(self.clock), callback or Callback(),
                        transcription)
        self.held.add(active.recording_id)  # before the row exists: upkeep never takes it for a crashed node's
        with self.clock.busy():
            async with self.sessionmaker() as session:
                session.add(Recording(
                    recording_id=active.recording_id, account_id=target.account_id,
                    sub_account_id=target.sub_account_id, call_uuid=target.call_uuid, from_number=target.from_number,
                    to_number=target.to_number, recording_type=target.recording_type,
                    conference_name=target.conference_name, conference_uuid=target.conference_uuid,
                    recording_format=file_format, channels=recorder.channels, state="recording",
                    lease_until=lease_until(), add_time=self.clock.now(),
                    recording_start_ms=active.start_ms, transcription_type=transcription[0],
                    transcription_url=transcription[1], transcription_method=transcription[2],
                ))
                await session.commit()
        self.active[active.recording_id] = active
        active.watcher = self.spawn(self._until_end(active, max_seconds), f"recording-{active.recording_id}")
        return active

    async def _until_end(self, active: Active, max_seconds: float | None) -> None:
        ended_with_call = await self.clock.wait(active.target.ends, max_seconds)
        row = await self.end(active)
        call = active.target.call
        if ended_with_call and active.action is not None and row is not None and call is not None:
            # The caller hung up during <Record>: Plivo still reports the recording to the action.
            url, method = active.action
            await self.webhooks.fetch(url, call.params(**result_params(self, row, "xml", "")), account=call.owner,
                                      method=method, check=None, event="call.action")

    async def end(self, active: Active, at: float | None = None) -> Recording | None:
        """Stop ``active`` (at the clock's ``monotonic`` ``at``, default now), store its file and
        send its callback; the completed row, or None when it could not be stored. The work runs
        in its own task, so a caller cancelled meanwhile (a call's document ending) cannot leave
        it half done."""
        if active.finishing is None:
            active.recorder.stop(self.clock.monotonic() if at is None else at)
            self.active.pop(active.recording_id, None)
            if active.watcher is not None and active.watcher is not asyncio.current_task() and at is not None:
                active.watcher.cancel()
            active.finishing = self.spawn(self._finish(active), f"recording-end-{active.recording_id}")
        return await asyncio.shield(active.finishing)

    async def _finish(self, active: Active) -> Recording | None:
        row: Recording | None = None
        try:
            with self.clock.busy():
                row = await self._store(active)
        except Exception:
            log.exception("recording %s could not be completed", active.recording_id)
        finally:
            self.held.discard(active.recording_id)
        if row is not None:
            await self._completed(active, row)
        return row

    async def _store(self, active: Active) -> Recording | None:
        recorder = active.recorder
        pcm = await recorder.render(self.audio.content)
        data = await asyncio.to_thread(audiofile.encode, pcm, active.file_format, recorder.channels)
        duration_ms = int(round(recorder.seconds * 1000))
        key = f"{active.recording_id}.{active.file_format}"
        state = "completed"
        try:
            await asyncio.to_thread(self.store.put, key, data)
        except StorageFull as exc:
            log.error("recording %s not stored: %s", active.recording_id, exc)
            state, key = "failed", ""
        async with self.sessionmaker() as session:
            await session.execute(update(Recording).where(Recording.recording_id == active.recording_id).values(
                state=state, storage_key=key, file_size=len(data) if key else 0,
                recording_duration_ms=duration_ms, recording_end_ms=active.start_ms + duration_ms,
            ))
            await session.commit()
            row = await session.get(Recording, active.recording_id)
        return row if state == "completed" else None

    async def _completed(self, active: Active, row: Recording) -> None:
        callback, call = active.callback, active.target.call
        if callback.url:
            params = {**result_params(self, row, callback.style), **callback.extra}
            if callback.style == "api":
                params["api_id"] = callback.api_id or new_api_id()
            if callback.style == "xml" and call is not None:
                params = call.params(**params)
            await self.webhooks.notify(callback.url, params, account=active.target.owner, method=callback.method,
                                       event="call.record" if call is not None else "conference.record")
        if row.transcription_type and row.transcription_url:
            self.spawn(self.transcribe(row.recording_id), f"transcribe-{row.recording_id}")

    # --- transcription -------------------------------------------------------------------------

    async def transcribe(self, recording_id: str, callback: tuple[str, str] | None = None) -> None:
        """Recognise the recording's words (in a worker thread) and deliver them to its
        transcription URL (or ``callback``) with Plivo's snake_case parameters."""
        async with self.sessionmaker() as session:
            row = await session.get(Recording, recording_id)
            if row is None or row.state != "completed":
                return
            await session.execute(update(Recording).where(Recording.recording_id == recording_id)
                                  .values(transcription_status="in-progress"))
            await session.commit()
        path = self.store.path(row.storage_key)
        text, error = "", ""
        if row.recording_duration_ms <= TRANSCRIBABLE_MS[0]:
            error = "Recording duration too short for transcription"
        elif row.recording_duration_ms >= TRANSCRIBABLE_MS[1]:
            error = "Recording duration too long for transcription"  # Plivo's words
        else:
            try:
                if path is None:
                    raise FileNotFoundError("the recording file is gone")
                # both parties: decode() mixes a stereo file down to mono at 8 kHz
                samples = await asyncio.to_thread(audiofile.decode, path.read_bytes())
                text = await asyncio.to_thread(asr.transcribe, samples)
            except Exception as exc:
                log.warning("transcription of %s failed: %s", recording_id, exc)
                error = "transcription failed"
        rate, charge = rate_transcription(row.recording_duration_ms) if not error else (ZERO, ZERO)
        async with self.sessionmaker() as session:
            await session.execute(update(Recording).where(Recording.recording_id == recording_id).values(
                transcription_status="failed" if error else "success", transcription=text))
            if not error:  # charged once, with the status that says it is done
                await session.execute(ledger_insert(session.get_bind().dialect.name), charge_row(
                    row.account_id, row.sub_account_id, "transcription", recording_id, charge, self.clock.now(),
                    quantity=math.ceil(row.recording_duration_ms / 60_000)))
            await session.commit()
        url, method = callback or (row.transcription_url, row.transcription_method)
        if url:
            await self.webhooks.notify(url, {
                "transcription": text, "transcription_charge": format_rate(charge),
                "transcription_rate": format_rate(rate), "duration": str(math.ceil(row.recording_duration_ms / 1000)),
                "call_uuid": row.call_uuid, "recording_id": row.recording_id, "error": error,
            }, account=row.sub_account_id or row.account_id, method=method, event="recording.transcription")

    # --- retention -----------------------------------------------------------------------------

    async def delete(self, session: AsyncSession, row: Recording) -> None:
        """Remove the row, then the file (a file without a row is never served)."""
        key = row.storage_key
        await session.execute(delete(Recording).where(Recording.recording_id == row.recording_id))
        await session.commit()
        if key:
            await asyncio.to_thread(self.store.delete, key)

    async def sweep(self) -> int:
        """Delete recordings older than the retention; how many went."""
        if not self.retention_days:
            return 0
        cutoff = self.clock.now() - timedelta(days=self.retention_days)
        gone = 0
        async with self.sessionmaker() as session:
            rows = (await session.scalars(select(Recording).where(Recording.add_time < cutoff,
                                                                  Recording.state != "recording"))).all()
            for row in rows:
                await self.delete(session, row)
                gone += 1
        if gone:
            log.info("retention: %d recordings older than %s days deleted", gone, self.retention_days)
        return gone

    async def stop(self) -> None:
        """Server shutdown: finish every recording (files stored, rows completed), then stop the
        background work (retention, transcriptions in progress)."""
        for active in list(self.active.values()):
            await self.end(active)
        finishing = [task for task in self._tasks if task.get_name().startswith("recording-end-")]
        await asyncio.gather(*finishing, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def result_params(recordings: Recordings, row: Recording, style: str, digits: str | None = None) -> dict[str, str]:
    """The parameters describing a finished recording: CamelCase for XML callbacks and actions
    (``Digits`` only for the action), snake_case for the Record API's callback."""
    url = recordings.url(row.sub_account_id or row.account_id, row.recording_id, row.recording_format)
    duration_ms = row.recording_duration_ms
    if style == "api":
        what = ({"conference_name": row.conference_name} if row.recording_type == "conference"
                else {"call_uuid": row.call_uuid})
        return {"record_url": url, "recording_id": row.recording_id, **what,
                "recording_duration": str(math.ceil(duration_ms / 1000)), "recording_duration_ms": str(duration_ms),
                "recording_start_ms": str(row.recording_start_ms), "recording_end_ms": str(row.recording_end_ms)}
    params = {"RecordUrl": url, "RecordingID": row.recording_id, "RecordingDuration": str(math.ceil(duration_ms / 1000)),
              "RecordingDurationMs": str(duration_ms), "RecordingStartMs": str(row.recording_start_ms),
              "RecordingEndMs": str(row.recording_end_ms)}
    if digits is not None:
        params["Digits"] = digits
    return params
