"""Tones, WAV/MP3 encoding and decoding, and the word error rate used to measure recognition."""

import io
import wave

import numpy as np
import pytest

from switchboard.media import asr, audiofile, tones
from switchboard.voice.audio import mp3_seconds


def test_dtmf_tones_are_the_q23_pairs_and_are_detected_back() -> None:
    pcm = tones.dtmf("159#w0*")
    assert len(pcm) == round((6 * 0.2 + 0.5) * 8000)
    assert tones.detect_dtmf(pcm) == "159#0*"
    spectrum = np.abs(np.fft.rfft(tones.dtmf("1")[:800]))
    peaks = sorted(np.argsort(spectrum)[-2:] * 8000 / 800)
    assert peaks == [700, 1210]  # 697 Hz and 1209 Hz, at the 10 Hz resolution of 0.1 s


def test_beep_and_silence() -> None:
    beep = tones.beep(0.25, 800)
    assert len(beep) == 2000 and np.abs(beep).max() > 7000
    assert not tones.silence(1.5).any() and len(tones.silence(1.5)) == 12000


def test_wav_round_trip_is_exact_and_8khz_mono() -> None:
    pcm = tones.dtmf("42").tobytes()
    data = audiofile.to_wav(pcm)
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (8000, 1, 2)
    assert audiofile.decode(data).tobytes() == pcm


def test_mp3_is_8khz_and_decodes_to_about_the_same_length() -> None:
    pcm = np.tile(tones.beep(0.5), 20).tobytes()  # 10 s
    data = audiofile.to_mp3(pcm)
    assert data[:2] in (b"\xff\xe3", b"\xff\xf3", b"\xff\xe2", b"\xff\xf2") or data[:3] == b"ID3"
    assert abs(mp3_seconds(data) - 10.0) < 0.3
    decoded = audiofile.decode(data)
    assert abs(len(decoded) / 8000 - 10.0) < 0.3
    assert len(data) < 10 * 32_000 / 8 * 1.1  # 32 kbit/s


def test_stereo_decodes_to_mono_and_other_rates_are_resampled() -> None:
    left, right = tones.beep(1.0, 400), np.zeros(8000, dtype=np.int16)
    stereo = np.empty(16000, dtype=np.int16)
    stereo[0::2], stereo[1::2] = left, right
    assert len(audiofile.decode(audiofile.to_wav(stereo.tobytes(), channels=2))) == 8000
    high = audiofile.to_wav(np.zeros(16000, dtype=np.int16).tobytes(), rate=16000)
    assert len(audiofile.decode(high)) == 8000


def test_garbage_is_not_audio() -> None:
    with pytest.raises(audiofile.DecodeError):
        audiofile.decode(b"this is not audio at all" * 100)


def test_word_error_rate() -> None:
    assert asr.word_error_rate("call me back", "call me back") == 0.0
    assert asr.word_error_rate("call me back", "call him back") == pytest.approx(1 / 3)
    assert asr.word_error_rate("call me back", "call me back now please") == pytest.approx(2 / 3)
    assert asr.word_error_rate("call me back", "") == 1.0
    assert asr.word_error_rate("Call me, back!", "call me back") == 0.0


def test_silence_transcribes_to_nothing() -> None:
    assert asr.transcribe(tones.silence(0.05)) == ""
    assert asr.transcribe(tones.silence(1.0)) == ""
