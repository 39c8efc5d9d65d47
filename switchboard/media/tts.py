"""Text-to-speech with eSpeak NG, loaded from the ``espeakng-loader`` wheel (no system package).

:func:`synthesize` returns 8 kHz 16-bit mono PCM. eSpeak keeps global state and is not
re-entrant, so one lock serialises calls in this process; the library releases the GIL while it
works, so :func:`synthesize_async` (a worker thread) keeps the event loop free. Results are cached
on disk by a hash of everything that changes the sound, so a prompt is synthesised once.

Plivo's voices map onto eSpeak variants (``WOMAN`` → ``+f2``, ``MAN`` → ``+m1``, the variants the offline
recogniser understands best; a ``Polly.*``
voice speaks as ``WOMAN``), and Plivo's languages onto eSpeak voices (``en-US`` → ``en-us``, an
unknown one falls back to its base language, then to ``en-us``).
"""

import asyncio
import ctypes
import hashlib
import os
import tempfile
import threading
from pathlib import Path

import numpy as np
import soxr

from switchboard.media import RATE

ENGINE = "espeak-ng-1"
WORDS_PER_MINUTE = {"WOMAN": 165.0, "MAN": 155.0}  # ordinary telephone-prompt speaking rates
POLLY_WORDS_PER_MINUTE = 170.0
DEFAULT_RATE_WPM = 165
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_SSML = 0x10
_RATE, _VOLUME, _PITCH = 1, 2, 3
_MAX_DATA_PATH = 160  # eSpeak copies its data path into a buffer of this size and exits if it does not fit
_VARIANTS = {"WOMAN": "f2", "MAN": "m1"}
_LANGUAGES = {
    "en-US": "en-us", "en-GB": "en-gb", "en-AU": "en-gb", "en-IN": "en-gb", "en-GB-WLS": "en-gb", "cy-GB": "cy",
    "es-ES": "es", "es-US": "es-419", "es-MX": "es-419", "fr-FR": "fr", "fr-CA": "fr", "pt-PT": "pt",
    "pt-BR": "pt-br", "cmn-CN": "cmn", "arb": "ar", "nb-NO": "nb",
}
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class TtsError(Exception):
    """eSpeak NG could not be loaded or refused the text."""


_lock = threading.Lock()
_engine: "_Espeak | None" = None
_cache_dir = Path(os.environ.get("SWITCHBOARD_TTS_CACHE") or Path(tempfile.gettempdir()) / "switchboard-tts")


def set_cache_dir(path: Path) -> None:
    """Where synthesised speech is kept (the server uses ``<data dir>/tts-cache``)."""
    global _cache_dir
    _cache_dir = Path(path)


def words_per_minute(voice: str) -> float:
    """How fast a Plivo voice speaks (the simulated network times speech with it too)."""
    return POLLY_WORDS_PER_MINUTE if voice.startswith("Polly.") else WORDS_PER_MINUTE.get(voice.upper(), 160.0)


def espeak_voice(voice: str, language: str) -> str:
    """The eSpeak voice name for a Plivo ``voice`` and ``language``: ``en-us+f3``."""
    base = _LANGUAGES.get(language, language.split("-")[0].lower() if language else "en-us")
    return f"{base}+{_VARIANTS.get(voice.upper(), _VARIANTS['WOMAN'])}"


class _Espeak:
    """The loaded library, initialised once for synchronous synthesis into a buffer."""

    def __init__(self) -> None:
        import espeakng_loader

        data_path = espeakng_loader.get_data_path()
        if len(os.fsencode(data_path)) >= _MAX_DATA_PATH:
            raise TtsError(f"eSpeak NG data path is too long for the library: {data_path}")
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                          ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, os.fsencode(data_path), 0)
        if self.sample_rate <= 0:
            raise TtsError("eSpeak NG failed to initialise")
        self._chunks: list[bytes] = []
        self._callback = _CALLBACK(self._collect)  # kept referenced: eSpeak calls it from C
        self.lib.espeak_SetSynthCallback(self._callback)
        self._voice = ""

    def _collect(self, samples: "ctypes._Pointer[ctypes.c_short]", count: int, _events: int) -> int:
        if samples and count > 0:
            self._chunks.append(ctypes.string_at(samples, count * 2))
        return 0

    def speak(self, text: str, voice: str, rate: int, ssml: bool) -> bytes:
        if voice != self._voice:
            variant = voice.partition("+")[2]
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0 \
                    and self.lib.espeak_SetVoiceByName(f"en-us+{variant}".encode()) != 0:
                raise TtsError(f"eSpeak NG has no voice {voice}")
            self._voice = voice
        self.lib.espeak_SetParameter(_RATE, max(80, min(450, rate)), 0)
        self._chunks = []
        data = text.encode() + b"\0"
        flags = _CHARS_UTF8 | (_SSML if ssml else 0)
        if self.lib.espeak_Synth(data, len(data), 0, 1, 0, flags, None, None) != 0:
            raise TtsError("eSpeak NG refused the text")
        self.lib.espeak_Synchronize()
        return b"".join(self._chunks)


def _key(text: str, voice: str, rate: int, ssml: bool) -> str:
    return hashlib.sha256(f"{ENGINE}\0{voice}\0{rate}\0{int(ssml)}\0{text}".encode()).hexdigest()


def synthesize(text: str, voice: str = "WOMAN", language: str = "en-US", *, rate: int = DEFAULT_RATE_WPM,
               ssml: bool = False) -> bytes:
    """``text`` spoken by eSpeak NG as 8 kHz 16-bit mono PCM. ``rate`` is in words per minute.
    Blocking (tens of milliseconds per sentence on a miss): call it off the event loop."""
    key = _key(text, espeak_voice(voice, language), rate, ssml)
    path = _cache_dir / key[:2] / f"{key}.pcm"
    try:
        return path.read_bytes()
    except OSError:
        pass
    pcm = render(text, voice, language, rate=rate, ssml=ssml)
    _store(path, pcm)
    return pcm


def render(text: str, voice: str = "WOMAN", language: str = "en-US", *, rate: int = DEFAULT_RATE_WPM,
           ssml: bool = False) -> bytes:
    """:func:`synthesize` without the cache: a rendering of its own (eSpeak NG's female voices
    come out a little differently each time)."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = _Espeak()
        raw = _engine.speak(text, espeak_voice(voice, language), rate, ssml)
        native = _engine.sample_rate
    samples = np.frombuffer(raw, dtype=np.int16)
    return soxr.resample(samples, native, RATE).astype(np.int16).tobytes() if len(samples) else b""


def _store(path: Path, pcm: bytes) -> None:
    """Write a cache entry atomically; a cache that cannot be written only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as part:
            part.write(pcm)
        os.replace(part.name, path)
    except OSError:
        pass


async def synthesize_async(text: str, voice: str = "WOMAN", language: str = "en-US", *,
                           rate: int = DEFAULT_RATE_WPM, ssml: bool = False) -> bytes:
    """:func:`synthesize` in a worker thread."""
    return await asyncio.to_thread(synthesize, text, voice, language, rate=rate, ssml=ssml)
