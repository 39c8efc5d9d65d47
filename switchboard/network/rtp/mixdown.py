"""What a leg in a mixer sends besides its own prompts: the sum of the other members' audio.

Each member's 20 ms frames arrive as its packets do (through its jitter buffer) and are queued
here per speaker; the paced sender takes one frame of each speaker per tick and adds them
(G.711's 16-bit PCM, saturating; one ``audioop.add`` per speaker costs about a microsecond, so
the mix runs inline on the tick). A speaker's queue starts playing once it holds
:data:`PRIME` frames and starts over after it runs dry, which absorbs the arrival jitter between
its receiver and our sender; a queue longer than :data:`DEPTH` loses its oldest frames, so the
delay stays bounded when the two clocks drift. Media played into the room (enter sounds,
conference Play/Speak, a simulated caller's speech) is summed in as whole prompts.
"""

from collections import deque
from typing import Protocol

from switchboard.network.rtp import codec

PRIME = 2
DEPTH = 10
FRAME_SECONDS = codec.FRAME_SAMPLES / codec.SAMPLE_RATE


class _Prompt(Protocol):
    def next_frame(self) -> bytes | None: ...


class _Speaker:
    __slots__ = ("frames", "playing")

    def __init__(self) -> None:
        self.frames: deque[bytes] = deque()
        self.playing = False


class Mixdown:
    def __init__(self) -> None:
        self.speakers: dict[str, _Speaker] = {}
        self.prompts: list[_Prompt] = []
        self.dropped = self.underruns = 0

    def put(self, speaker: str, pcm: bytes) -> None:
        """One frame ``speaker`` sent."""
        queue = self.speakers.get(speaker)
        if queue is None:
            queue = self.speakers[speaker] = _Speaker()
        queue.frames.append(pcm)
        if len(queue.frames) > DEPTH:
            queue.frames.popleft()
            self.dropped += 1

    def add(self, prompt: _Prompt) -> None:
        """Media played into the room, summed in frame by frame until it ends."""
        self.prompts.append(prompt)

    def forget(self, speaker: str) -> None:
        self.speakers.pop(speaker, None)

    def take(self) -> bytes | None:
        """This tick's mix, or None when nobody is sending."""
        mixed: bytes | None = None
        for key, speaker in list(self.speakers.items()):
            frames = speaker.frames
            if not speaker.playing:
                if len(frames) < PRIME:
                    continue
                speaker.playing = True
            if not frames:
                del self.speakers[key]  # ran dry (or left): it primes again when it sends
                self.underruns += 1
                continue
            frame = frames.popleft()
            mixed = frame if mixed is None else codec.audioop.add(mixed, frame, 2)
        for prompt in list(self.prompts):
            frame = prompt.next_frame()
            if frame is None:
                self.prompts.remove(prompt)
            else:
                mixed = frame if mixed is None else codec.audioop.add(mixed, frame, 2)
        return mixed


class Timeline:
    """Steady times for a stream of 20 ms frames: each frame starts where the last one ended, so
    a recording built from them has no seams; a stream that paused or drifted by more than
    ``tolerance`` from the clock is re-anchored to it."""

    def __init__(self, tolerance: float = 0.1):
        self.tolerance = tolerance
        self.next: float | None = None

    def stamp(self, now: float) -> float:
        if self.next is None or abs(now - self.next) > self.tolerance:
            self.next = now
        at = self.next
        self.next = at + FRAME_SECONDS
        return at
