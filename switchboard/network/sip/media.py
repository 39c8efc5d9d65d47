"""What a SIP leg sends for each kind of :data:`~switchboard.network.channel.Media`, as 8 kHz
16-bit mono PCM: speech from the TTS of ``switchboard.media.tts`` (in a worker thread, cached),
WAV and MP3 files fetched by URL, decoded and resampled (cached by URL), silence, and beeps.
"""

import asyncio
import io
import logging
import wave
from collections import OrderedDict

import httpx

from switchboard.media.tts import TtsError, synthesize_async
from switchboard.network.channel import Audio, Beep, Media, Pcm, Silence, Speech
from switchboard.network.rtp import codec

log = logging.getLogger("switchboard.sip")
CACHE_ITEMS = 256
MAX_AUDIO_BYTES = 10 * 1024 * 1024


def decode_pcm(data: bytes) -> bytes:
    """A WAV (PCM, any rate, mono or stereo) or MP3 file as 8 kHz mono PCM."""
    if data[:4] == b"RIFF":
        with wave.open(io.BytesIO(data)) as reader:
            frames = reader.readframes(reader.getnframes())
            return codec.resample(frames, reader.getframerate(), reader.getnchannels(), reader.getsampwidth())
    import soundfile

    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    return codec.resample(samples.mean(axis=1).astype("int16").tobytes(), rate)


class MediaRenderer:
    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._client: httpx.AsyncClient | None = None

    def _remember(self, key: tuple[str, ...], pcm: bytes) -> bytes:
        self._cache[key] = pcm
        while len(self._cache) > CACHE_ITEMS:
            self._cache.popitem(last=False)
        return pcm

    async def render(self, media: Media) -> bytes:
        if isinstance(media, Silence):
            return bytes(2 * int(media.seconds * codec.SAMPLE_RATE))
        if isinstance(media, Beep):
            return codec.tone(media.frequency, media.seconds)
        if isinstance(media, Pcm):
            return media.pcm
        key = ("speech", media.text, media.voice, media.language) if isinstance(media, Speech) else ("audio", media.url)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        pcm = await (self._speech(media) if isinstance(media, Speech) else self._audio(media))
        return self._remember(key, pcm)

    async def _speech(self, media: Speech) -> bytes:
        try:
            pcm = await synthesize_async(media.text, media.voice, media.language, ssml=media.ssml)
        except TtsError as exc:
            log.warning("text-to-speech failed (%s): speaking silence for %r", exc, media.text[:40])
            return bytes(2 * int(max(1.0, len(media.text) / 15) * codec.SAMPLE_RATE))
        return pcm + bytes(2 * int(media.pause_seconds * codec.SAMPLE_RATE))

    async def _audio(self, media: Audio) -> bytes:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=2.0), follow_redirects=True)
        try:
            response = await self._client.get(media.url.split("#", 1)[0])
            return await asyncio.to_thread(decode_pcm, response.content[:MAX_AUDIO_BYTES])
        except Exception as exc:  # a fetch or decode failure: the caller hears silence, the log says why
            log.warning("Play %s failed on a SIP call: %s", media.url, exc)
        return bytes(2 * int(media.seconds * codec.SAMPLE_RATE))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
