"""A small fixed reorder buffer for received audio (where audio is consumed: recording, ASR,
mixing). Frames are released in sequence order once the buffer holds ``depth`` frames; a gap is
filled with silence so consumers see a steady 20 ms cadence."""

from switchboard.network.rtp.codec import SILENCE


class JitterBuffer:
    def __init__(self, depth: int = 3):
        self.depth = depth
        self.frames: dict[int, bytes] = {}
        self.next_sequence: int | None = None
        self.late = 0

    def put(self, sequence: int, pcm: bytes) -> None:
        if self.next_sequence is not None and (sequence - self.next_sequence) & 0xFFFF >= 0x8000:
            self.late += 1  # behind what was already released
            return
        self.frames[sequence] = pcm
        if self.next_sequence is None:
            self.next_sequence = sequence

    def pop(self) -> list[bytes]:
        """Frames ready for the consumer, oldest first."""
        out: list[bytes] = []
        while self.next_sequence is not None and len(self.frames) >= self.depth:
            out.append(self.frames.pop(self.next_sequence, SILENCE))
            self.next_sequence = (self.next_sequence + 1) & 0xFFFF
        return out
