"""How long things take on a simulated line: speech from its text and the voice's speaking rate,
DTMF tones from their digits. The numbers are those of ordinary telephone speech and signalling."""

import re

from switchboard.media.tones import DIGIT_GAP, DIGIT_TONE, PAUSES
from switchboard.media.tts import words_per_minute

SENTENCE_PAUSE = 0.35
CLAUSE_PAUSE = 0.15
_WORD = re.compile(r"[^\s]+")
__all__ = ["DIGIT_GAP", "DIGIT_TONE", "PAUSES", "dtmf_seconds", "speech_seconds", "words_per_minute"]


def speech_seconds(text: str, voice: str = "WOMAN", extra_pause: float = 0.0) -> float:
    """Seconds a text-to-speech voice takes to say ``text``: words at the voice's rate, a pause at
    each sentence end and a shorter one at commas; digits in a number are said one by one."""
    words = 0
    for word in _WORD.findall(text):
        digits = sum(ch.isdigit() for ch in word)
        words += max(1, digits) if digits > 3 else 1
    seconds = words * 60.0 / words_per_minute(voice)
    seconds += SENTENCE_PAUSE * len(re.findall(r"[.!?](\s|$)", text)) + CLAUSE_PAUSE * text.count(",")
    return round(max(0.2, seconds) + extra_pause, 3)


def dtmf_seconds(digits: str) -> float:
    return round(sum(PAUSES.get(ch, DIGIT_TONE + DIGIT_GAP) for ch in digits), 3)
