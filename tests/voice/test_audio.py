"""Measuring audio for <Play>: WAV headers and MP3 frames (with an ID3 tag), and refusing junk."""

import pytest

from switchboard.voice.audio import AudioError, decode_seconds
from tests.voice.test_live import wav


def mp3(frames: int, id3: bool = False) -> bytes:
    """MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz (417 bytes each, no padding), silence."""
    header = bytes([0xFF, 0xFB, 0x90, 0x00])
    frame = header + b"\x00" * (417 - 4)
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 if id3 else b""
    return tag + frame * frames


def test_wav_length() -> None:
    assert decode_seconds(wav(2.5), "audio/wav") == pytest.approx(2.5)
    assert decode_seconds(wav(1.0, rate=16000), "audio/wav") == pytest.approx(1.0)


def test_mp3_length_from_frames() -> None:
    seconds = 1152 / 44100
    assert decode_seconds(mp3(100), "audio/mpeg") == pytest.approx(100 * seconds)
    assert decode_seconds(mp3(383, id3=True), "audio/mpeg") == pytest.approx(383 * seconds)


def test_junk_is_refused() -> None:
    with pytest.raises(AudioError):
        decode_seconds(b"<html>not audio</html>" * 10, "text/html")
    with pytest.raises(AudioError):
        decode_seconds(b"RIFF\x00\x00\x00\x00WAVEjunk", "audio/wav")
