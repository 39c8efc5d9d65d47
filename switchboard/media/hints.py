"""Recognising a caller's answer to a GetInput: a JSGF grammar of its ``hints``, else the model.

With hints, pocketsphinx decodes against a grammar of the hint phrases: the answer is the phrase
the whole utterance matches, or nothing. On G.711 speech this finds a spoken hint far more
reliably than the general language model (which hears synthetic "sales" as "daniel"), also
inside a short sentence; answers outside the hints come back as nothing, though one that sounds
close enough may be taken for a hint (measured in ``tests/media/test_hints.py``). The audio is padded with silence
first: the model needs some around the words, and a peer suppressing silence sends none. Tried and dropped: weighting hints
inside a grammar that also offers the language model's hypothesis (pocketsphinx ignores JSGF
weights there), keyword spotting (never fired on 8 kHz speech), a filler-word grammar (short
words swallow everything). Hint words missing from the model's dictionary are left out; with no
usable hint the general model's transcript is the answer. The confidence is the decoder's
posterior probability of its hypothesis.

Only English is modelled (the wheel's US English model): speech expected in another language is
not recognised. Blocking (about a quarter of real time): run it off the event loop. The hints
decoder is a second model load (about 90 MB resident), made on first use.
"""

import threading

from switchboard.media import asr

TRANSCRIPT_CONFIDENCE = 0.5  # the language model's hypotheses carry no posterior here
PAD = bytes(2 * 8000 * 3 // 10)  # 300 ms of silence
_SEARCH = "hints"
_lock = threading.Lock()
_decoder = None


def _get_decoder():  # type: ignore[no-untyped-def]
    """A decoder of its own (recordings keep transcribing meanwhile), with language weight 1: at
    the default 6.5 a grammar path loses to silence and noise fillers on short telephone answers
    (measured: "support please" found 3 times in 4 instead of 1, a hint inside a sentence 4 in 4,
    no more false hints)."""
    global _decoder
    if _decoder is None:
        from pocketsphinx import Config, Decoder

        _decoder = Decoder(Config(samprate=asr.MODEL_RATE, loglevel="FATAL", lw=1.0, maxhmmpf=2000, maxwpf=5))
    return _decoder


def understood(pcm: bytes, hints: tuple[str, ...] = (), language: str = "en-US") -> tuple[str, float] | None:
    """What the far end said in ``pcm`` (8 kHz) and a confidence (0..1), or None when no words
    were heard (or the language is not one the model knows)."""
    if not language.lower().startswith("en"):
        return None
    audio = asr.model_audio(PAD + pcm + PAD)
    if audio is None:
        return None
    with _lock:
        decoder = _get_decoder()
        phrases = _usable(decoder, hints)
        if phrases:
            decoder.add_jsgf_string(_SEARCH, _grammar(phrases))
            decoder.activate_search(_SEARCH)
            heard = asr.decode(decoder, audio)
            confidence = decoder.get_prob()
    if not phrases:
        with asr._lock:
            heard = asr.decode(asr._get_decoder(), audio)
        return (heard, TRANSCRIPT_CONFIDENCE) if heard else None
    return (phrases[heard], round(max(0.01, min(0.99, confidence)), 2)) if heard in phrases else None


def _usable(decoder, hints: tuple[str, ...]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hints whose words the dictionary knows, keyed by their lower-case words."""
    phrases = {}
    for hint in hints:
        words = asr.words(hint)
        if words and all(decoder.lookup_word(word) for word in words):
            phrases[" ".join(words)] = hint.strip()
    return phrases


def _grammar(phrases: dict[str, str]) -> str:
    return f"#JSGF V1.0;\ngrammar hints;\npublic <answer> = {' | '.join(f'( {words} )' for words in phrases)} ;\n"
