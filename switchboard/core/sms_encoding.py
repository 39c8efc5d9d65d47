"""SMS encoding, segmenting and units, as Plivo counts them: a codec below both the messaging
area (which rates and stores messages) and the transports that carry segments (SMPP, the simulator).

A text goes out in the GSM 03.38 7-bit default alphabet (with its extension table, whose
characters take two septets: ESC and the character) when every character has a GSM code;
otherwise the whole message is UCS-2 (UTF-16BE in practice, so a character outside the Basic
Multilingual Plane is a surrogate pair and takes two of the 70/67 slots). A single segment
holds 160 septets or 70 UTF-16 code units; a concatenated message holds 153 or 67 per segment
(the rest of the 140 octets is the user data header). A segment boundary never falls between
an ESC and its character, nor between the halves of a surrogate pair. ``units`` is the number
of segments.

The GSM-7 mapping itself is the ``gsm0338`` codec; this module only counts and splits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

GSM7 = "GSM"
UCS2 = "UCS-2"
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
MAX_GSM_CHARS = 1600
MAX_UCS2_CHARS = 737


@lru_cache(maxsize=4096)
def gsm_septets(char: str) -> int:
    """Septets ``char`` takes in GSM-7 (1, or 2 for the extension table), 0 when it has no GSM code."""
    try:
        return len(char.encode("gsm03.38"))
    except UnicodeEncodeError:
        return 0


def utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


@dataclass(frozen=True)
class Segmented:
    encoding: str
    parts: tuple[str, ...]
    length: int
    """Characters as the limits count them: septets for GSM-7, UTF-16 code units for UCS-2."""

    @property
    def units(self) -> int:
        return len(self.parts)


def encoding_of(text: str) -> str:
    """``GSM`` when every character has a GSM 03.38 code (basic or extension table), else ``UCS-2``."""
    return GSM7 if all(gsm_septets(char) for char in text) else UCS2


def _split(text: str, cost: Callable[[str], int], single: int, part: int) -> tuple[tuple[str, ...], int]:
    sizes = [cost(char) for char in text]
    total = sum(sizes)
    if total <= single:
        return ((text,) if text else ("",)), total
    parts: list[str] = []
    start, used = 0, 0
    for index, size in enumerate(sizes):
        if used + size > part:  # a whole character (ESC pair or surrogate pair) moves to the next part
            parts.append(text[start:index])
            start, used = index, 0
        used += size
    parts.append(text[start:])
    return tuple(parts), total


def segment(text: str) -> Segmented:
    """Split ``text`` into the segments it is sent as."""
    if encoding_of(text) == GSM7:
        parts, length = _split(text, gsm_septets, GSM_SINGLE, GSM_PART)
        return Segmented(GSM7, parts, length)
    parts, length = _split(text, utf16_units, UCS2_SINGLE, UCS2_PART)
    return Segmented(UCS2, parts, length)


def too_long(segmented: Segmented) -> str | None:
    """Why the text exceeds Plivo's limits (1,600 GSM characters, 737 Unicode ones), or None."""
    if segmented.encoding == GSM7 and segmented.length > MAX_GSM_CHARS:
        return f"text is {segmented.length} GSM characters long; the limit is {MAX_GSM_CHARS}"
    if segmented.encoding == UCS2 and segmented.length > MAX_UCS2_CHARS:
        return f"text is {segmented.length} Unicode characters long (UTF-16); the limit is {MAX_UCS2_CHARS}"
    return None


def encode_part(part: str, encoding: str) -> bytes:
    """The octets of one segment's text: unpacked GSM-7 septets, or UTF-16BE."""
    return part.encode("gsm03.38") if encoding == GSM7 else part.encode("utf-16-be")
