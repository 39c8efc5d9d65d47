"""Raw audio a simulated phone hears (an audio stream's playback), as runs: plays that follow one
another without a gap (an agent streams its speech in small pieces) are one ``heard_audio`` log
entry, whose words the speech recogniser adds as ``text`` once the run has ended."""

import asyncio
from typing import TYPE_CHECKING, Any

from switchboard.media.asr import transcribe
from switchboard.network.channel import Pcm

if TYPE_CHECKING:
    from switchboard.network.sim.legs import SimLeg

GAP = 0.1
"""Plays this close together are one run."""
SETTLE = 0.3
"""Seconds without more audio before a run is recognised."""
MAX_RECOGNISED_BYTES = 60 * 16_000
"""The first minute of a run is recognised; the rest only counts in its length."""
_RECOGNISING: set["asyncio.Task[None]"] = set()


class HeardAudio:
    def __init__(self, leg: "SimLeg"):
        self.leg = leg
        self.entry: dict[str, Any] | None = None
        self.pcm = bytearray()
        self.end = float("-inf")
        self.pending: asyncio.Task[None] | None = None

    def begin(self, media: Pcm) -> tuple[dict[str, Any], float]:
        """The log entry this play belongs to, and the seconds of the run before it."""
        now = self.leg.clock.monotonic()
        entry = self.entry
        if entry is not None and now - self.end <= GAP and "interrupted_after" not in entry:
            if self.pending is not None:
                self.pending.cancel()
            offset = float(entry["seconds"])
            entry["seconds"] = round(offset + media.seconds, 3)
            return entry, offset
        self.entry = self.leg.log("heard_audio", seconds=round(media.seconds, 3), source=media.source)
        self.pcm = bytearray()
        return self.entry, 0.0

    def played(self, pcm: bytes, interrupted: bool) -> None:
        """This much of the play was heard; the run is recognised once it is over."""
        assert self.entry is not None
        room = MAX_RECOGNISED_BYTES - len(self.pcm)
        if room > 0:
            self.pcm += pcm[:room]
        self.end = self.leg.clock.monotonic()
        entry, heard = self.entry, bytes(self.pcm)
        clock = self.leg.clock

        async def recognise() -> None:
            if not interrupted:
                await clock.sleep(SETTLE)
            with clock.busy():
                entry["text"] = await asyncio.to_thread(transcribe, heard)

        self.pending = asyncio.create_task(recognise(), name=f"recognise-{self.leg.uuid}")
        _RECOGNISING.add(self.pending)
        self.pending.add_done_callback(_RECOGNISING.discard)
