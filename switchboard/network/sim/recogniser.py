"""The simulated speech recogniser: deterministic, so tests can predict what GetInput reports.

It hears the words exactly, in the language the caller spoke them. Observable rules:

- **language**: speech in another language than the one expected (``en-GB`` vs ``fr-FR``) is not
  recognised at all; the same language with another region (``en-GB`` heard as ``en-US``) is, with
  0.05 less confidence.
- **hints**: a hint phrase found among the words is the result (confidence 0.95 for the whole
  utterance, 0.9 within it); other speech is returned as said (0.8 without hints, 0.6 when none
  of the hints matched).
- **model**: ``phone_call`` is tuned for telephone audio (+0.04); ``command_and_search`` for short
  commands (+0.04 for three words or fewer, -0.1 for longer speech); ``default`` changes nothing.
"""

import re

from switchboard.network.channel import Recognition, Utterance

MODEL_BONUS = {"phone_call": 0.04}
SHORT_COMMAND = 3


def recognise(heard: Utterance, recognition: Recognition, partial: bool = False) -> Utterance | None:
    """``heard`` as the recogniser reports it, or None when it could not understand it. A
    ``partial`` (interim) result is never matched to a hint: the speaker has not finished."""
    shift = _language_shift(heard.language, recognition.language)
    if shift is None:
        return None
    spoken = _words(heard.text)
    text, confidence = heard.text, 0.8 if not recognition.hints else 0.6
    for hint in () if partial else recognition.hints:
        phrase = _words(hint)
        if phrase and (phrase == spoken or f" {phrase} " in f" {spoken} "):
            text, confidence = hint.strip(), 0.95 if phrase == spoken else 0.9
            break
    confidence += shift + _model_bonus(recognition.model, len(spoken.split()))
    return Utterance(text, round(min(0.99, max(0.01, confidence)), 2), heard.seconds, heard.language)


def _language_shift(spoken: str, expected: str) -> float | None:
    if not spoken or spoken.lower() == expected.lower():
        return 0.0
    if spoken.split("-")[0].lower() == expected.split("-")[0].lower():
        return -0.05
    return None


def _model_bonus(model: str, words: int) -> float:
    if model == "command_and_search":
        return 0.04 if words <= SHORT_COMMAND else -0.1
    return MODEL_BONUS.get(model, 0.0)


def _words(text: str) -> str:
    """Lower-case words without punctuation, single-spaced: what a recogniser compares."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())
