"""What a phone heard on a call, in one shape for both networks: the simulator's log of a phone,
or the audio a real SIP peer decoded (its WAV dump) and the RFC 4733 digits it received."""

import re
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAME = 160  # 20 ms at 8 kHz
LOUD = 300  # frame RMS above which a frame carries sound
TONE_SHARE = 0.5  # share of a frame's energy at one frequency for it to count as that tone


@dataclass
class Heard:
    """``sound``: seconds of non-silent audio; ``speech``: of it, seconds that were not a pure tone;
    ``words``: what was said (the simulator's text; on SIP, pocketsphinx's transcription);
    ``tones``: seconds heard per frequency (Hz); ``digits``: digits the platform sent (without the
    ``w``/``W`` pauses between them)."""

    sound: float = 0.0
    speech: float = 0.0
    words: str = ""
    tones: dict[int, float] = field(default_factory=dict)
    digits: str = ""

    def tone(self, frequency: int) -> float:
        return self.tones.get(frequency, 0.0)

    def said(self, *phrases: str) -> list[str]:
        """Which of ``phrases`` were heard, in order (on SIP, ``words`` came from a grammar of
        exactly these phrases: see :func:`recognise`)."""
        text, found = " " + " ".join(_words(self.words)) + " ", []
        for phrase in phrases:
            if f" {' '.join(_words(phrase))} " in text:
                found.append(phrase)
        return found


def from_sim_log(log: list[dict[str, Any]], voices: dict[str, int], tone_files: dict[str, int]) -> Heard:
    """``voices``: the hum frequency of each other phone (by address), which stands for its voice
    on SIP; ``tone_files``: the frequency of each tone file the harness serves (by URL)."""
    heard = Heard()
    for event in log:
        kind, seconds = event["kind"], float(event.get("seconds") or 0.0)
        seconds = float(event.get("interrupted_after", seconds) or seconds)
        if kind == "heard_speech":
            heard.speech += seconds
            heard.sound += seconds
            heard.words += " " + event["text"].lower()
        elif kind == "heard_voice" and event["from"] in voices:
            frequency = voices[event["from"]]
            heard.tones[frequency] = heard.tones.get(frequency, 0.0) + seconds
            heard.sound += seconds
        elif kind == "heard_audio" and event["url"] in tone_files:
            frequency = tone_files[event["url"]]
            heard.tones[frequency] = heard.tones.get(frequency, 0.0) + seconds
            heard.sound += seconds
        elif kind == "heard_beep":
            frequency = int(event["frequency"])
            heard.tones[frequency] = heard.tones.get(frequency, 0.0) + 0.25
        elif kind == "received_digits":
            heard.digits += re.sub("[wW]", "", event["digits"])  # pauses, as on SIP: not sent as events
    heard.words = heard.words.strip()
    return heard


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as reader:
        assert reader.getframerate() == 8000 and reader.getsampwidth() == 2, path
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
        return data[:: reader.getnchannels()]


def _share(frames: np.ndarray, frequency: int) -> np.ndarray:
    """Per frame, the share of its energy at ``frequency`` (a single-bin DFT)."""
    n = np.arange(FRAME)
    basis = np.exp(-2j * np.pi * frequency * n / 8000)
    power = np.abs(frames @ basis) ** 2 * 2 / FRAME
    energy = (frames ** 2).sum(axis=1) + 1e-9
    return power / energy


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


_grammar_decoder = None
_grammar_lock = threading.Lock()


def recognise(pcm: np.ndarray, phrases: tuple[str, ...]) -> str:
    """The sequence of ``phrases`` pocketsphinx hears in ``pcm`` with a grammar of only those
    phrases: a telephone-band prompt is told apart from the others reliably, where open
    transcription of 8 kHz speech is not (``switchboard.media.asr`` measures its word error rate)."""
    global _grammar_decoder
    import soxr
    from pocketsphinx import Config, Decoder

    rule = " | ".join(f"( {' '.join(_words(phrase))} )" for phrase in phrases)
    grammar = f"#JSGF V1.0;\ngrammar heard;\npublic <heard> = <phrase>+ ;\n<phrase> = {rule} ;\n"
    upsampled = np.clip(soxr.resample(pcm.astype(np.float32), 8000, 16000), -32768, 32767).astype(np.int16)
    with _grammar_lock:
        if _grammar_decoder is None:
            _grammar_decoder = Decoder(Config(samprate=16000, loglevel="FATAL", lm=None))
        decoder = _grammar_decoder
        decoder.add_jsgf_string("heard", grammar)
        decoder.activate_search("heard")
        decoder.start_utt()
        decoder.process_raw(upsampled.tobytes(), full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis is not None else ""


def from_audio(pcm: np.ndarray, frequencies: list[int], digits: str, phrases: tuple[str, ...] = ()) -> Heard:
    """Frames of 20 ms: loud ones count as sound; a loud frame whose energy is mostly at one of
    ``frequencies`` counts as that tone, any other loud frame as speech."""
    count = len(pcm) // FRAME
    frames = pcm[: count * FRAME].reshape(count, FRAME).astype(np.float64)
    loud = np.sqrt((frames ** 2).mean(axis=1)) > LOUD if count else np.zeros(0, dtype=bool)
    heard = Heard(sound=float(loud.sum()) * 0.02, digits=digits)
    tonal = np.zeros(count, dtype=bool)
    for frequency in frequencies:
        hits = loud & (_share(frames, frequency) > TONE_SHARE)
        if hits.any():
            heard.tones[frequency] = float(hits.sum()) * 0.02
        tonal |= hits
    heard.speech = float((loud & ~tonal).sum()) * 0.02
    if phrases and heard.speech > 0.3:
        speechless = pcm.copy()
        speechless[: count * FRAME].reshape(count, FRAME)[tonal] = 0  # hums and beeps are not words
        heard.words = recognise(speechless, phrases)
    return heard
