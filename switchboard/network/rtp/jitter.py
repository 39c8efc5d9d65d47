"""A small fixed reorder buffer for received audio (where audio is consumed: recording, ASR,
mixing). Frames are released in sequence order once the buffer holds ``depth`` frames; a gap is
filled with silence so consumers see a steady 20 ms cadence.

A sequence number far from the expected one is not a late or early packet but a new stream (the
peer restarted it after a re-INVITE, or a carrier moved the call to another media server): the
buffer then releases what it holds and follows the new numbers, instead of discarding the new
stream as late or filling thousands of "missing" frames with silence.
"""

from switchboard.network.rtp.codec import SILENCE

RESTART = 50
"""A packet further than this (in sequence numbers, about a second) from the expected one starts a new stream."""


class JitterBuffer:
    def __init__(self, depth: int = 3):
        self.depth = depth
        self.frames: dict[int, bytes] = {}
        self.next_sequence: int | None = None
        self.late = 0
        self.restarts = 0
        self._released: list[bytes] = []

    def put(self, sequence: int, pcm: bytes) -> None:
        if self.next_sequence is not None:
            ahead = (sequence - self.next_sequence) & 0xFFFF
            if ahead >= 0x8000 and 0x10000 - ahead <= RESTART:
                self.late += 1  # behind what was already released
                return
            if RESTART < ahead < 0x10000 - RESTART:
                self._restart()
        self.frames[sequence] = pcm
        if self.next_sequence is None:
            self.next_sequence = sequence

    def _restart(self) -> None:
        self.restarts += 1
        for sequence in sorted(self.frames, key=lambda s: (s - (self.next_sequence or 0)) & 0xFFFF):
            self._released.append(self.frames[sequence])
        self.frames.clear()
        self.next_sequence = None

    def pop(self) -> list[bytes]:
        """Frames ready for the consumer, oldest first."""
        out, self._released = self._released, []
        while self.next_sequence is not None and len(self.frames) >= self.depth:
            out.append(self.frames.pop(self.next_sequence, SILENCE))
            self.next_sequence = (self.next_sequence + 1) & 0xFFFF
        return out
