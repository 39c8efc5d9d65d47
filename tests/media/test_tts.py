"""Text-to-speech through eSpeak NG from the espeakng-loader wheel: real synthesis, 8 kHz PCM, the
disk cache, voices and languages."""

import asyncio
from pathlib import Path

import numpy as np
import pytest

from switchboard.media import tts


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Path:
    tts.set_cache_dir(tmp_path / "tts")
    return tmp_path / "tts"


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype=np.int16)


def test_speech_is_8khz_pcm_of_a_plausible_length_and_not_silent() -> None:
    pcm = tts.synthesize("Please leave a message after the tone.")
    samples = _samples(pcm)
    assert len(pcm) % 2 == 0
    assert 1.2 < len(samples) / 8000 < 4.0  # seven words at 165 words a minute
    assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 500


def test_the_second_request_comes_from_the_disk_cache(cache: Path) -> None:
    first = tts.synthesize("Your call is important to us.", "MAN")
    files = list(cache.rglob("*.pcm"))
    assert len(files) == 1 and files[0].read_bytes() == first
    files[0].write_bytes(b"\x01\x00" * 10)  # prove the next answer is read from the cache
    assert tts.synthesize("Your call is important to us.", "MAN") == b"\x01\x00" * 10


def test_voices_rates_and_languages_change_the_sound() -> None:
    woman = tts.synthesize("Good morning", "WOMAN")
    man = tts.synthesize("Good morning", "MAN")
    slow = tts.synthesize("Good morning", "WOMAN", rate=100)
    assert woman != man
    assert len(slow) > len(woman)
    assert tts.espeak_voice("MAN", "fr-FR") == "fr+m1"
    assert tts.espeak_voice("Polly.Joanna", "es-US") == "es-419+f2"
    assert len(tts.synthesize("Bonjour", "WOMAN", "fr-FR")) > 0


def test_an_unknown_language_falls_back_to_english() -> None:
    assert len(_samples(tts.synthesize("hello there", "WOMAN", "xx-YY"))) > 4000


def test_ssml_breaks_add_their_pause() -> None:
    plain = tts.synthesize("one two", ssml=True)
    paused = tts.synthesize('<speak>one <break time="1s"/> two</speak>', ssml=True)
    assert len(paused) - len(plain) > 0.8 * 16000


def test_async_synthesis_runs_in_a_thread() -> None:
    pcm = asyncio.run(tts.synthesize_async("testing one two three"))
    assert pcm == tts.synthesize("testing one two three")
