"""The audio formats of a stream (``contentType``) and the conversion between them and the call's
8 kHz 16-bit PCM.

Plivo names a format ``audio/x-mulaw;rate=8000``, ``audio/x-l16;rate=8000`` or
``audio/x-l16;rate=16000``; in messages the encoding (without ``;rate=``) and the rate are
separate fields. L16 is little-endian, as Plivo's own clients read it (not RFC 3551's network
order). ``audioop`` is the standard library's; it converts one 20 ms frame in microseconds.
"""

import warnings
from dataclasses import dataclass

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 8000
MULAW = "audio/x-mulaw"
L16 = "audio/x-l16"
ALLOWED = {(MULAW, 8000), (L16, 8000), (L16, 16000)}
DEFAULT_CONTENT_TYPE = "audio/x-l16;rate=8000"


class FormatError(ValueError):
    """A content type or sample rate Plivo does not stream."""


@dataclass(frozen=True)
class Format:
    encoding: str
    rate: int

    @property
    def content_type(self) -> str:
        return f"{self.encoding};rate={self.rate}"

    def bytes_per_second(self) -> int:
        return self.rate * (1 if self.encoding == MULAW else 2)


def parse(content_type: str) -> Format:
    """``audio/x-l16;rate=16000`` → Format; :class:`FormatError` for anything else."""
    encoding, _, params = content_type.strip().lower().partition(";")
    rate = 8000
    for param in filter(None, (p.strip() for p in params.split(";"))):
        key, _, value = param.partition("=")
        if key.strip() != "rate" or not value.strip().isdigit():
            raise FormatError(f"unsupported content type {content_type!r}")
        rate = int(value)
    return check(encoding.strip(), rate)


def check(encoding: str, rate: object) -> Format:
    """An encoding and a rate (a number, or digits in a string) as sent in ``playAudio``."""
    try:
        number = int(str(rate))
    except ValueError:
        raise FormatError(f"sample rate {rate!r} is not a number") from None
    if (encoding.lower(), number) not in ALLOWED:
        raise FormatError(f"{encoding} at {number} Hz is not streamed (allowed: audio/x-mulaw at 8000, "
                          "audio/x-l16 at 8000 or 16000)")
    return Format(encoding.lower(), number)


class Encoder:
    """The call's PCM (8 kHz) to one stream format, frame by frame (the resampler keeps its state
    between frames, so 16 kHz audio has no seams)."""

    def __init__(self, fmt: Format):
        self.format = fmt
        self._state: object = None

    def encode(self, pcm: bytes) -> bytes:
        if self.format.encoding == MULAW:
            return audioop.lin2ulaw(pcm, 2)
        if self.format.rate != RATE:
            pcm, self._state = audioop.ratecv(pcm, 2, 1, RATE, self.format.rate, self._state)
        return pcm


def decode(fmt: Format, payload: bytes) -> bytes:
    """Audio an application sent (raw samples, no header) as the call's 8 kHz PCM."""
    if fmt.encoding == MULAW:
        return audioop.ulaw2lin(payload, 2)
    if len(payload) % 2:
        raise FormatError("L16 audio has an odd number of bytes")
    if fmt.rate != RATE:
        payload, _ = audioop.ratecv(payload, 2, 1, fmt.rate, RATE, None)
    return payload
