"""Offline speech recognition with pocketsphinx and the US English model in its wheel.

The model is trained on 16 kHz speech, so telephony audio is resampled up to 16 kHz first (the
band above 4 kHz stays empty, which costs accuracy: see the word error rate measured in
``tests/voice/recording/test_transcription_accuracy.py``). A decoder takes about half a second to load and is not
re-entrant: one per process, behind a lock; call :func:`transcribe` off the event loop (it runs
at about a quarter of real time in CPU; ``bench/recording.py`` measures it).
"""

import re
import threading

import numpy as np
import soxr

from switchboard.media import RATE

MODEL_RATE = 16_000
QUIET = 300  # peak level (of 32767) below which audio is taken as silence: the model hears words in hiss
_lock = threading.Lock()
_decoder = None


def _get_decoder():  # type: ignore[no-untyped-def]
    global _decoder
    if _decoder is None:
        from pocketsphinx import Config, Decoder

        # At most 2,000 active HMMs and 5 words per frame: on telephone speech this is about three
        # times faster than the defaults and no less accurate (measured, bench/recording.py).
        config = Config(samprate=MODEL_RATE, loglevel="FATAL", maxhmmpf=2000, maxwpf=5)
        _decoder = Decoder(config)
    return _decoder


def transcribe(pcm: np.ndarray | bytes, rate: int = RATE) -> str:
    """The words in mono 16-bit ``pcm``, lower case, or "" for silence or noise."""
    audio = model_audio(pcm, rate)
    if audio is None:
        return ""
    with _lock:
        return decode(_get_decoder(), audio)


def model_audio(pcm: np.ndarray | bytes, rate: int = RATE) -> bytes | None:
    """Mono 16-bit ``pcm`` resampled for the model, or None when it is too short or too quiet to
    hold words."""
    samples = np.frombuffer(pcm, dtype=np.int16) if isinstance(pcm, bytes) else pcm
    if len(samples) < rate // 10 or int(np.abs(samples.astype(np.int32)).max()) < QUIET:
        return None
    upsampled = soxr.resample(samples.astype(np.float32), rate, MODEL_RATE)
    return np.clip(upsampled, -32768, 32767).astype(np.int16).tobytes()


def decode(decoder, audio: bytes) -> str:  # type: ignore[no-untyped-def]
    """One utterance through ``decoder``'s active search (the caller holds :data:`_lock`)."""
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr.strip() if hypothesis is not None else ""


def words(text: str) -> list[str]:
    """Lower-case words without punctuation (numbers spelled as said are compared as words)."""
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in ``reference`` (Levenshtein on words)."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, other in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
        previous = current
    return previous[-1] / max(1, len(ref))
