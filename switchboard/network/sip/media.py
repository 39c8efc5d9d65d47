"""What a SIP leg sends for each kind of :data:`~switchboard.network.channel.Media`, as 8 kHz
16-bit mono PCM: speech from the TTS of ``switchboard.media.tts`` (in a worker thread, cached),
WAV files fetched by URL and resampled (cached by URL), silence, and beeps.
"""

import asyncio
import io
import logging
import wave
from collections import OrderedDict

import httpx

from switchboard.network.channel import Audio, Beep, Media, Silence, Speech
from switchboard.network.rtp import codec

log = logging.getLogger("switchboard.sip")
CACHE_ITEMS = 256
MAX_AUDIO_BYTES = 10 * 1024 * 1024


def wav_pcm(data: bytes) -> bytes:
    """A WAV file (PCM, any rate, mono or stereo) as 8 kHz mono PCM."""
    with wave.open(io.BytesIO(data)) as reader:
        frames = reader.readframes(reader.getnframes())
        return codec.resample(frames, reader.getframerate(), reader.getnchannels(), reader.getsampwidth())


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
        key = ("speech", media.text, media.voice, media.language) if isinstance(media, Speech) else ("audio", media.url)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        pcm = await (self._speech(media) if isinstance(media, Speech) else self._audio(media))
        return self._remember(key, pcm)

    async def _speech(self, media: Speech) -> bytes:
        try:
            from switchboard.media.tts import synthesize  # issue 7's eSpeak NG engine
        except ImportError:
            log.warning("no text-to-speech engine installed: speaking silence for %r", media.text[:40])
            return bytes(2 * int(max(1.0, len(media.text) / 15) * codec.SAMPLE_RATE))
        pcm = await asyncio.to_thread(synthesize, media.text, media.voice, media.language)
        return pcm + bytes(2 * int(media.pause_seconds * codec.SAMPLE_RATE))

    async def _audio(self, media: Audio) -> bytes:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=2.0), follow_redirects=True)
        try:
            response = await self._client.get(media.url.split("#", 1)[0])
            data = response.content[:MAX_AUDIO_BYTES]
            if data[:4] == b"RIFF":
                return await asyncio.to_thread(wav_pcm, data)
            log.warning("Play %s: only WAV is decoded on SIP calls yet; sending silence", media.url)
        except (httpx.HTTPError, wave.Error, EOFError) as exc:
            log.warning("Play %s failed on a SIP call: %s", media.url, exc)
        return bytes(2 * int(media.seconds * codec.SAMPLE_RATE))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
