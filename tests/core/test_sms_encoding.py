"""The segmenter: GSM-7 or UCS-2, 160/153 and 70/67, no split inside an escape or surrogate pair."""

import pytest
from hypothesis import given, strategies as st

from switchboard.core.sms_encoding import GSM7, UCS2, encode_part, gsm_septets, segment, too_long

GSM_CHARS = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\n\r"
EXTENSION = "^{}\\[~]|€\f"


def test_alphabet_and_extension_table() -> None:
    assert all(gsm_septets(char) == 1 for char in GSM_CHARS)
    assert all(gsm_septets(char) == 2 for char in EXTENSION)
    assert gsm_septets("`") == gsm_septets("ç") == gsm_septets("á") == gsm_septets("’") == 0


@pytest.mark.parametrize(("text", "encoding", "sizes"), [
    ("", GSM7, [0]),
    ("a" * 160, GSM7, [160]),
    ("a" * 161, GSM7, [153, 8]),
    ("€" * 80, GSM7, [80]),
    ("a" * 152 + "€" + "a" * 10, GSM7, [152, 11]),  # the escape pair moves whole to the next segment
    ("é" * 70 + "ç", UCS2, [67, 4]),
    ("😀" * 35, UCS2, [35]),
    ("a" * 66 + "😀" + "ç" * 3, UCS2, [66, 4]),  # the surrogate pair moves whole
])
def test_segments(text: str, encoding: str, sizes: list[int]) -> None:
    result = segment(text)
    assert result.encoding == encoding
    assert [len(part) for part in result.parts] == sizes
    assert "".join(result.parts) == text


def test_limits() -> None:
    assert too_long(segment("a" * 1600)) is None and too_long(segment("a" * 1601))
    assert too_long(segment("€" * 800)) is None and too_long(segment("€" * 801))
    assert too_long(segment("ç" * 737)) is None and too_long(segment("ç" * 738))


@given(st.text(alphabet=st.sampled_from(GSM_CHARS + EXTENSION + "ç😀👋🏽你"), max_size=800))
def test_every_part_fits_and_round_trips(text: str) -> None:
    result = segment(text)
    assert "".join(result.parts) == text
    single, part = (160, 153) if result.encoding == GSM7 else (140, 134)
    limit = single if len(result.parts) == 1 else part
    for piece in result.parts:
        octets = encode_part(piece, result.encoding)
        assert len(octets) <= limit
        assert octets.decode("gsm03.38" if result.encoding == GSM7 else "utf-16-be") == piece
    if result.encoding == GSM7 and len(result.parts) > 1:
        assert all(not encode_part(piece, GSM7).endswith(b"\x1b") for piece in result.parts)
