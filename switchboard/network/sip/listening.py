"""What a SIP leg hears from its far end, frame by frame: speech endpointing by energy, in-band
DTMF (when the carrier asks for it) and voicemail beeps.

Endpointing: a 20 ms frame is loud above :data:`LOUD_RMS`; speech starts when
:data:`START_FRAMES` of the last :data:`START_WINDOW` frames are loud (a click does not start it),
and the audio is kept from :data:`PREROLL` before that. The end is not decided here: GetInput's
``speechEndTimeout`` says how much silence ends an answer, so :meth:`Listening.take` cuts the
utterance once the silence since the last loud frame is that long. Durations count frames, not
the clock, so a loaded event loop does not shorten or stretch them; time with no packets at all
(a peer suppressing silence, or gone) counts as silence too. Frames holding DTMF tones are never
speech.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from switchboard.media.detect import BeepDetector, DtmfDetector
from switchboard.network.channel import resolve
from switchboard.network.rtp import codec

FRAME_SECONDS = 0.02
LOUD_RMS = 300
START_FRAMES, START_WINDOW = 3, 5
PREROLL = 15  # frames (300 ms) kept before the start of speech
TAIL = 10  # frames (200 ms) kept after the last loud one
MAX_UTTERANCE = 30.0  # seconds: an answer is cut here even if the far end keeps talking
LONGEST_FRAMES = int(MAX_UTTERANCE / FRAME_SECONDS) + PREROLL  # audio kept at most (music on the line)


@dataclass(frozen=True)
class Heard:
    """A finished utterance: its audio and how long the far end spoke."""

    pcm: bytes
    seconds: float


class Listening:
    def __init__(self, on_digit: Callable[[str], None]):
        self.on_digit = on_digit
        self._loop = asyncio.get_running_loop()
        self.last_frame_at = self._loop.time()
        self.changed: asyncio.Future[None] = self._loop.create_future()
        """Done when speech starts or a beep is heard (then replaced): what waiters wake on."""
        self.frames = 0
        self.recent: deque[bool] = deque(maxlen=START_WINDOW)
        self.audio = bytearray()
        self.audio_start = 0  # frame index of audio[0]
        self.speech_start: int | None = None
        self.last_loud = -1
        self.inband: DtmfDetector | None = None
        self.beep: BeepDetector | None = None
        self.beeped = False

    def set_inband_dtmf(self, enabled: bool) -> None:
        self.inband = DtmfDetector() if enabled else None

    def out_of_band(self, deliver: Callable[[str], None]) -> Callable[[str], None]:
        """``deliver`` for RFC 4733 digits: the first one turns in-band detection off, since a
        peer that sends events would otherwise have its digits counted twice."""
        def digit(value: str) -> None:
            self.inband = None
            deliver(value)

        return digit

    def watch_beep(self, watching: bool) -> None:
        self.beep, self.beeped = (BeepDetector() if watching else None), False

    @property
    def speaking(self) -> bool:
        return self.speech_start is not None

    def feed(self, pcm: bytes) -> bool:
        """One received frame; True when it was speech (part of an utterance under way)."""
        index = self.frames
        self.frames += 1
        self.last_frame_at = self._loop.time()
        tone = False
        if self.inband is not None or self.beep is not None:
            samples = np.frombuffer(pcm, dtype=np.int16)
            if self.inband is not None:
                digit = self.inband.feed(samples)
                tone = self.inband.in_tone
                if digit is not None:
                    self.on_digit(digit)
            if self.beep is not None and not self.beeped and self.beep.feed(samples):
                self.beeped = True
                self._wake()
        loud = not tone and codec.rms(pcm) > LOUD_RMS
        self.recent.append(loud)
        self.audio += pcm
        if loud:
            self.last_loud = index
        if self.speech_start is None:
            if sum(self.recent) >= START_FRAMES:
                self.speech_start = index - len(self.recent) + 1
                self._wake()
                return True
            self._trim(index + 1 - PREROLL - START_WINDOW)
            return False
        if index + 1 - self.audio_start > LONGEST_FRAMES:  # nobody is taking it: keep the latest only
            self._trim(index + 1 - LONGEST_FRAMES)
            self.speech_start = max(self.speech_start, self.audio_start + PREROLL)
        return loud

    def silence(self, idle: float = 0.0) -> float:
        """Seconds since the last loud frame, ``idle`` being the time since the last frame came."""
        return (self.frames - 1 - self.last_loud) * FRAME_SECONDS + max(0.0, idle - FRAME_SECONDS)

    def spoken(self) -> float:
        """Seconds from the start of the utterance under way to its last loud frame."""
        return 0.0 if self.speech_start is None else (self.last_loud + 1 - self.speech_start) * FRAME_SECONDS

    def take(self, end_silence: float, force: bool = False) -> Heard | None:
        """The utterance under way once ``end_silence`` seconds of silence ended it (or at once
        with ``force``, or when it reached :data:`MAX_UTTERANCE`), and forget it."""
        if self.speech_start is None:
            return None
        too_long = (self.frames - self.speech_start) * FRAME_SECONDS >= MAX_UTTERANCE
        if not (force or too_long or self.silence(self._loop.time() - self.last_frame_at) >= end_silence):
            return None
        seconds = self.spoken()
        end = min(self.frames, self.last_loud + 1 + TAIL)
        first = max(self.audio_start, self.speech_start - PREROLL)
        pcm = bytes(self.audio[(first - self.audio_start) * codec.FRAME_BYTES:(end - self.audio_start) * codec.FRAME_BYTES])
        self.speech_start = None
        self.recent.clear()
        self._trim(self.frames - PREROLL)
        return Heard(pcm, round(seconds, 3))

    def flush(self) -> None:
        """Forget what was said so far; an utterance the far end is still speaking (loud within
        :data:`TAIL` frames) is kept whole, so an answer begun a moment early is not cut."""
        if self.speech_start is not None and self.frames - 1 - self.last_loud <= TAIL:
            return
        self.speech_start = None
        self.recent.clear()
        self._trim(self.frames - PREROLL)

    def _wake(self) -> None:
        resolve(self.changed)
        self.changed = self._loop.create_future()

    def _trim(self, first: int) -> None:
        if first > self.audio_start:
            del self.audio[:(first - self.audio_start) * codec.FRAME_BYTES]
            self.audio_start = first
