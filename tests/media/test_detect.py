"""The tone detectors on received audio: in-band DTMF with its acceptance checks, and the
voicemail beep, against synthetic tones and eSpeak NG speech (which must trigger neither)."""

import numpy as np
import pytest

from switchboard.media import tones, tts
from switchboard.media.detect import FRAME, BeepDetector, DtmfDetector
from switchboard.network.rtp import codec


def _frames(pcm: np.ndarray) -> list[np.ndarray]:
    return [pcm[i:i + FRAME] for i in range(0, len(pcm) - FRAME + 1, FRAME)]


def digits(pcm: np.ndarray) -> str:
    detector = DtmfDetector()
    return "".join(d for frame in _frames(pcm) if (d := detector.feed(frame)))


def beeped(pcm: np.ndarray) -> bool:
    detector = BeepDetector()
    return any([detector.feed(frame) for frame in _frames(pcm)])


def _line(pcm: np.ndarray, payload_type: int = 0) -> np.ndarray:
    """``pcm`` after a G.711 round trip, as the receiver gets it."""
    return np.frombuffer(codec.decode(payload_type, codec.encode(payload_type, pcm.tobytes())), dtype=np.int16)


def _pair(row: float, col: float, row_level: float, col_level: float, seconds: float = 0.1) -> np.ndarray:
    t = np.arange(int(seconds * 8000)) / 8000
    return (row_level * np.sin(2 * np.pi * row * t) + col_level * np.sin(2 * np.pi * col * t)).astype(np.int16)


@pytest.mark.parametrize("payload_type", [0, 8], ids=["pcmu", "pcma"])
def test_every_key_is_decoded_once_through_g711(payload_type: int) -> None:
    assert digits(_line(tones.dtmf("1234567890*#ABCD"), payload_type)) == "1234567890*#ABCD"


def test_a_held_key_is_one_digit_and_a_repeated_key_after_a_gap_is_two() -> None:
    assert digits(tones.dtmf("5", tone_seconds=1.0)) == "5"
    assert digits(tones.dtmf("55")) == "55"


def test_a_tone_shorter_than_two_frames_is_not_a_digit() -> None:
    assert digits(np.concatenate([tones.silence(0.1), tones.tone((770, 1336), 0.025), tones.silence(0.1)])) == ""


def test_twist_beyond_the_limits_is_rejected_and_within_them_accepted() -> None:
    pair = (697, 1209)
    assert digits(_pair(*pair, 4000, 4000 / 10 ** (6 / 20))) == "1"  # row 6 dB louder: normal twist
    assert digits(_pair(*pair, 4000, 4000 / 10 ** (10 / 20))) == ""  # 10 dB: too much
    assert digits(_pair(*pair, 4000 / 10 ** (3 / 20), 4000)) == "1"  # column 3 dB louder: reverse twist
    assert digits(_pair(*pair, 4000 / 10 ** (6 / 20), 4000)) == ""


def test_quiet_tones_and_speech_are_not_digits() -> None:
    assert digits(_pair(697, 1209, 60, 60, 0.2)) == ""
    speech = np.frombuffer(tts.synthesize("Nine one one. Press one for sales, two for support, star to go back."),
                           dtype=np.int16)
    assert digits(_line(speech)) == ""


def test_a_sustained_single_tone_is_a_beep() -> None:
    assert beeped(_line(tones.beep(0.5, 1000)))
    assert beeped(_line(tones.beep(0.25, 440)))


def test_short_tones_dtmf_and_speech_are_not_beeps() -> None:
    assert not beeped(tones.beep(0.1, 1000))
    assert not beeped(tones.dtmf("123", tone_seconds=0.5))
    for voice in ("WOMAN", "MAN"):
        speech = tts.synthesize("Hi, you have reached Alex. Please leave a message after the tone.", voice)
        assert not beeped(_line(np.frombuffer(speech, dtype=np.int16)))
