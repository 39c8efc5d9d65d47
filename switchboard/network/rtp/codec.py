"""G.711 µ-law and A-law (ITU-T G.711) between 16-bit signed PCM and 8-bit codes.

``audioop`` (stdlib up to 3.12, ``audioop-lts`` after) does one 20 ms frame in under a
microsecond, far cheaper than numpy tables for single frames.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

from switchboard.network.sip.sdp import PCMA, PCMU

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms
FRAME_BYTES = 2 * FRAME_SAMPLES
SILENCE = bytes(FRAME_BYTES)
SPEECH_RMS = 300
"""The RMS above which a 20 ms frame counts as speech (not line noise)."""


def encode(payload_type: int, pcm: bytes) -> bytes:
    return audioop.lin2ulaw(pcm, 2) if payload_type == PCMU else audioop.lin2alaw(pcm, 2)


def decode(payload_type: int, payload: bytes) -> bytes:
    return audioop.ulaw2lin(payload, 2) if payload_type == PCMU else audioop.alaw2lin(payload, 2)


def rms(pcm: bytes) -> int:
    return audioop.rms(pcm, 2)


def resample(pcm: bytes, rate: int, channels: int = 1, width: int = 2) -> bytes:
    """Any PCM to 8 kHz mono 16-bit."""
    if width != 2:
        pcm = audioop.lin2lin(pcm, width, 2)
    if channels == 2:
        pcm = audioop.tomono(pcm, 2, 0.5, 0.5)
    if rate != SAMPLE_RATE:
        pcm, _ = audioop.ratecv(pcm, 2, 1, rate, SAMPLE_RATE, None)
    return pcm


def tone(frequency: float, seconds: float, amplitude: int = 8000) -> bytes:
    """A sine tone as 8 kHz PCM (beeps)."""
    import math
    import struct

    count = int(seconds * SAMPLE_RATE)
    step = 2 * math.pi * frequency / SAMPLE_RATE
    return struct.pack(f"<{count}h", *(int(amplitude * math.sin(step * i)) for i in range(count)))
