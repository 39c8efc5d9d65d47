"""What a call leg carries, as the 20 ms frames of 8 kHz PCM a stream sends.

A leg reports its media as :class:`~switchboard.network.channel.MediaEvent` (``CallLeg.listen``):
a network carrying real audio (SIP/RTP, WebRTC) reports ``Frames`` every 20 ms, which are queued
and sent as they come; the simulated network reports what was said, played or pressed, which is
rendered here (the platform's text-to-speech for speech, the decoded file for played audio, the
tone for a beep) and laid on the track's timeline where it started. A rendering that finishes
after its start has gone by is sent from the current frame on, whole (late, not cut). Digits the
far end presses are reported to the stream as ``dtmf`` events, not as audio.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from switchboard.media import RATE, audiofile, tones, tts
from switchboard.network.channel import Audio, Beep, CallLeg, Frames, Media, MediaEvent, Pcm, Silence, Speech, Tones

log = logging.getLogger("switchboard.stream")
FRAME_SECONDS = 0.02
FRAME_SAMPLES = 160
FRAME_BYTES = 2 * FRAME_SAMPLES
SILENT_FRAME = bytes(FRAME_BYTES)
MAX_FRAMES = 50
"""Real frames waiting to be sent per track (1 s); older ones are dropped."""
MAX_RENDERING = 8
"""Renderings under way per stream; media beyond that is left out (and logged)."""
TRACK_DIRECTIONS = {"inbound": "in", "outbound": "out"}

Fetch = Callable[[str], Awaitable[bytes]]
OnDigits = Callable[[str, float], None]


@dataclass
class _Segment:
    start: float
    samples: np.ndarray


class Track:
    """One direction of the leg: rendered segments on a timeline, and real frames in order."""

    def __init__(self) -> None:
        self.segments: list[_Segment] = []
        self.frames: deque[bytes] = deque(maxlen=MAX_FRAMES)
        self.cursor: float | None = None

    def add(self, start: float, samples: np.ndarray) -> None:
        if self.cursor is not None and start < self.cursor:
            start = self.cursor
        self.segments.append(_Segment(start, samples))

    def cut(self, at: float) -> None:
        """What plays stopped at ``at`` (a prompt cut short)."""
        for segment in self.segments:
            keep = max(0, int(round((at - segment.start) * RATE)))
            segment.samples = segment.samples[:keep]

    def take(self, at: float) -> bytes:
        """The frame that starts at ``at``."""
        self.cursor = at + FRAME_SECONDS
        if self.frames:
            frame = self.frames.popleft()
            if not self.segments:
                return frame
            mixed = np.frombuffer(frame, dtype=np.int16).astype(np.int32)
        elif not self.segments:
            return SILENT_FRAME
        else:
            alone = self._alone(at)
            if alone is not None:
                return alone
            mixed = np.zeros(FRAME_SAMPLES, dtype=np.int32)
        remaining = []
        for segment in self.segments:
            offset = int(round((at - segment.start) * RATE))
            if offset >= len(segment.samples):
                continue
            remaining.append(segment)
            begin, end = max(0, offset), offset + FRAME_SAMPLES
            if end <= 0:
                continue
            part = segment.samples[begin:end]
            mixed[begin - offset:begin - offset + len(part)] += part
        self.segments = remaining
        return np.clip(mixed, -32768, 32767).astype("<i2").tobytes()

    def _alone(self, at: float) -> bytes | None:
        """The common case, one rendered segment covering the whole frame and nothing to mix:
        its samples as they are (no mixing buffer, no clipping); None otherwise."""
        if len(self.segments) != 1:
            return None
        segment = self.segments[0]
        samples = segment.samples
        offset = int(round((at - segment.start) * RATE))
        if offset < 0 or offset + FRAME_SAMPLES > len(samples) or samples.dtype != np.int16:
            return None
        if offset + FRAME_SAMPLES == len(samples):
            self.segments = []
        return samples[offset:offset + FRAME_SAMPLES].tobytes()


class Capture:
    """Listens to ``leg`` and keeps a :class:`Track` per wanted direction."""

    def __init__(self, leg: CallLeg, tracks: tuple[str, ...], fetch: Fetch, on_digits: OnDigits):
        self.leg, self.fetch, self.on_digits = leg, fetch, on_digits
        self.tracks = {name: Track() for name in tracks}
        self._by_direction = {TRACK_DIRECTIONS[name]: track for name, track in self.tracks.items()}
        self._rendering: set[asyncio.Task[None]] = set()
        self._detach: Callable[[], None] | None = None
        self.skipped = 0

    def start(self, now: float) -> None:
        for event in self.leg.current_media.values():
            if event.at + event.seconds > now:
                self.hear(event)
        self._detach = self.leg.listen(self.hear)

    def stop(self) -> None:
        if self._detach is not None:
            self._detach()
            self._detach = None
        for task in self._rendering:
            task.cancel()

    def hear(self, event: MediaEvent) -> None:
        media = event.media
        if isinstance(media, Tones) and event.direction == "in":
            self.on_digits(media.digits, event.at)  # reported as dtmf events even when only "outbound" is streamed
            return
        track = self._by_direction.get(event.direction)
        if track is None or isinstance(media, Silence):
            return
        if media is None:
            track.cut(event.at)
        elif isinstance(media, Frames):
            track.frames.append(media.pcm)
        elif len(self._rendering) >= MAX_RENDERING:
            self.skipped += 1
        else:
            task = asyncio.create_task(self._render(track, event), name=f"stream-render-{self.leg.uuid}")
            self._rendering.add(task)
            task.add_done_callback(self._rendering.discard)

    async def _render(self, track: Track, event: MediaEvent) -> None:
        try:
            samples = await self._sound(event.media)
        except Exception as exc:  # a file that cannot be fetched or decoded is silence on the stream
            log.info("stream of %s: %r not rendered: %s", self.leg.uuid, event.media, exc)
            return
        if event.seconds:
            samples = samples[: int(event.seconds * RATE)]
        track.add(event.at, samples)

    async def _sound(self, media: "Media | Tones | Frames | None") -> np.ndarray:
        if isinstance(media, Speech):
            pcm = await tts.synthesize_async(media.text, media.voice, media.language,
                                             rate=int(tts.words_per_minute(media.voice)), ssml=media.ssml)
            return np.frombuffer(pcm, dtype=np.int16)
        if isinstance(media, Pcm):
            return np.frombuffer(media.pcm, dtype=np.int16)
        if isinstance(media, Audio):
            data = await self.fetch(media.url)
            return await asyncio.to_thread(audiofile.decode, data)
        if isinstance(media, Beep):
            return tones.beep(media.seconds, media.frequency)
        if isinstance(media, Tones):
            return tones.dtmf(media.digits)
        return tones.silence(0)
