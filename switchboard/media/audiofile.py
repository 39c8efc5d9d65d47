"""Audio files: WAV (stdlib ``wave``) and MP3 (LAME through ``lameenc``) encoding of telephony PCM,
and decoding of WAV, MP3 and whatever else libsndfile reads into 8 kHz mono PCM (for played
audio and for transcription). MP3 encoding and decoding take milliseconds per minute of audio,
but callers on the event loop should still use a worker thread for long recordings."""

import io
import wave

import lameenc
import numpy as np
import soundfile
import soxr

from switchboard.media import RATE

MP3_KBPS = 32  # mono 8 kHz speech; stereo recordings get twice that
CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class DecodeError(Exception):
    """The bytes are not audio this module can read."""


def to_wav(pcm: bytes, channels: int = 1, rate: int = RATE) -> bytes:
    """A 16-bit PCM WAV file (``pcm`` interleaved when ``channels`` is 2)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm)
    return out.getvalue()


def to_mp3(pcm: bytes, channels: int = 1, rate: int = RATE, kbps: int = MP3_KBPS) -> bytes:
    """An MP3 file (MPEG-2.5 layer III at 8 kHz) of ``pcm``."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps * channels)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(5)
    return bytes(encoder.encode(pcm)) + bytes(encoder.flush())


def encode(pcm: bytes, file_format: str, channels: int = 1) -> bytes:
    """``pcm`` as a ``wav`` or ``mp3`` file."""
    return to_wav(pcm, channels) if file_format == "wav" else to_mp3(pcm, channels)


def _mono(samples: np.ndarray, rate: int) -> np.ndarray:
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    samples = samples.astype(np.float32)
    if rate != RATE and len(samples):
        samples = soxr.resample(samples, rate, RATE)
    return np.clip(samples, -32768, 32767).astype(np.int16)


def decode(data: bytes) -> np.ndarray:
    """Any WAV/MP3/FLAC/OGG file as 8 kHz mono int16 samples (stereo is averaged)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            with wave.open(io.BytesIO(data)) as reader:
                width, channels, rate = reader.getsampwidth(), reader.getnchannels(), reader.getframerate()
                frames = reader.readframes(reader.getnframes())
            if width == 2:
                samples = np.frombuffer(frames, dtype="<i2").reshape(-1, channels)
                return _mono(samples, rate)
        except (wave.Error, EOFError, ValueError):
            pass  # a WAV that ``wave`` cannot read (e.g. mu-law): libsndfile may
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise DecodeError(f"not a readable audio file: {exc}") from None
    return _mono(samples, rate)
