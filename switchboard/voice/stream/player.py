"""Bidirectional streams: the application's audio, queued and played to the caller in order.

``playAudio`` adds audio to the queue, ``checkpoint`` a marker; a marker is answered
(``playedStream``) once everything queued before it has been played out on the leg, never when
that audio was cleared. ``clearAudio`` empties the queue and cuts short what is playing. The
queue holds at most :data:`MAX_QUEUED_SECONDS` of audio (Plivo's playback buffer); audio beyond it
is refused, not queued.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from switchboard.core.clock import Clock
from switchboard.network.channel import CallLeg, Pcm

MAX_QUEUED_SECONDS = 60.0
BYTES_PER_SECOND = 16_000  # 8 kHz 16-bit


@dataclass(frozen=True)
class Checkpoint:
    name: str


class QueueFull(Exception):
    """The playback queue already holds :data:`MAX_QUEUED_SECONDS` of audio."""


class Player:
    def __init__(self, leg: CallLeg, clock: Clock, on_played: Callable[[str], None]):
        self.leg, self.clock, self.on_played = leg, clock, on_played
        self.items: deque[bytes | Checkpoint] = deque()
        self.queued_bytes = 0
        self.playing = False
        self._wake = asyncio.Event()
        self._generation = 0  # bumped by clear(): what was playing then is not reported as played

    @property
    def queued_seconds(self) -> float:
        return self.queued_bytes / BYTES_PER_SECOND

    def queue(self, pcm: bytes) -> None:
        if self.queued_seconds + len(pcm) / BYTES_PER_SECOND > MAX_QUEUED_SECONDS:
            raise QueueFull(f"the playback queue holds {self.queued_seconds:.1f} s already "
                            f"(at most {MAX_QUEUED_SECONDS:.0f} s)")
        if pcm:
            self.items.append(pcm)
            self.queued_bytes += len(pcm)
            self._wake.set()

    def checkpoint(self, name: str) -> None:
        if not self.items and not self.playing:
            self.on_played(name)
        else:
            self.items.append(Checkpoint(name))

    def clear(self) -> None:
        self.items.clear()
        self.queued_bytes = 0
        self._generation += 1
        if self.playing:
            self.leg.stop_media()

    async def run(self) -> None:
        """Play until the leg ends (cancelled when the stream ends)."""
        while self.leg.is_up:
            while not self.items:
                self._wake.clear()
                await self._wake.wait()
            self._report_checkpoints()
            chunks = bytearray()
            while self.items and isinstance(self.items[0], bytes):
                chunk = self.items.popleft()
                assert isinstance(chunk, bytes)
                chunks += chunk
            if not chunks:
                continue
            generation = self._generation
            self.playing = True
            try:
                await self.leg.play(Pcm(bytes(chunks)))
            finally:
                self.playing = False
                if generation == self._generation:
                    self.queued_bytes = max(0, self.queued_bytes - len(chunks))
            if generation == self._generation:
                self._report_checkpoints()

    def _report_checkpoints(self) -> None:
        while self.items and isinstance(self.items[0], Checkpoint):
            marker = self.items.popleft()
            assert isinstance(marker, Checkpoint)
            self.on_played(marker.name)
