"""Audio for ``<Play>`` and the live Play API: fetched with Plivo's fixed audio policy (connect
2 s, read 120 s, one retry on any failure, fragments ignored), cached by URL with its ETag, and
measured by decoding the file (WAV header, or MP3 frames) so playback takes its real length."""

import io
import logging
import wave
from dataclasses import dataclass

import httpx

from switchboard.core.clock import Clock

log = logging.getLogger("switchboard.voice")
MAX_BYTES = 10 * 1024 * 1024
_BITRATES = {
    (1, 3): [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    (2, 3): [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


class AudioError(Exception):
    pass


@dataclass
class _Cached:
    etag: str
    seconds: float


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getnframes() / float(reader.getframerate())


def mp3_seconds(data: bytes) -> float:
    """Length of an MPEG audio layer III stream, by walking its frame headers."""
    position = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        position = 10 + size
    seconds = 0.0
    frames = 0
    while position + 4 <= len(data):
        header = int.from_bytes(data[position:position + 4], "big")
        if header >> 21 != 0x7FF:
            position += 1
            continue
        version_bits = (header >> 19) & 3
        layer_bits = (header >> 17) & 3
        bitrate_index = (header >> 12) & 15
        rate_index = (header >> 10) & 3
        if version_bits == 1 or layer_bits != 1 or bitrate_index in (0, 15) or rate_index == 3:
            position += 1
            continue
        mpeg1 = version_bits == 3
        bitrate = _BITRATES[(1 if mpeg1 else 2, 3)][bitrate_index] * 1000
        rate = _RATES[version_bits][rate_index]
        samples = 1152 if mpeg1 else 576
        padding = (header >> 9) & 1
        length = (144 if mpeg1 else 72) * bitrate // rate + padding
        seconds += samples / rate
        frames += 1
        position += max(length, 1)
    if not frames:
        raise AudioError("no MP3 frames found")
    return seconds


def decode_seconds(data: bytes, content_type: str) -> float:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            return wav_seconds(data)
        except (wave.Error, EOFError, ZeroDivisionError) as exc:
            raise AudioError(f"unreadable WAV: {exc}") from None
    return mp3_seconds(data)


class AudioFetcher:
    def __init__(self, clock: Clock):
        self.clock = clock
        self._cache: dict[str, _Cached] = {}
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=2.0), follow_redirects=True)

    async def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        last: Exception | None = None
        for _ in range(2):
            try:
                with self.clock.busy():
                    response = await self._client.get(url, headers=headers)
                break
            except httpx.HTTPError as exc:
                last = exc
        else:
            raise AudioError(f"could not fetch {url}: {last}")
        if response.status_code >= 400:
            raise AudioError(f"{url} answered HTTP {response.status_code}")
        if len(response.content) > MAX_BYTES:
            raise AudioError(f"{url} is larger than 10 MB")
        return response

    async def content(self, url: str) -> bytes:
        """The file at ``url`` (a recorder decodes what was played)."""
        return (await self._get(url.split("#", 1)[0], {})).content

    async def seconds(self, url: str) -> float:
        """The decoded length of the audio at ``url``; :class:`AudioError` says why not."""
        url = url.split("#", 1)[0]
        cached = self._cache.get(url)
        headers = {"If-None-Match": cached.etag} if cached and cached.etag else {}
        response = await self._get(url, headers)
        if response.status_code == 304 and cached:
            return cached.seconds
        seconds = decode_seconds(response.content, response.headers.get("content-type", ""))
        self._cache[url] = _Cached(response.headers.get("etag", ""), seconds)
        return seconds

    async def aclose(self) -> None:
        await self._client.aclose()
