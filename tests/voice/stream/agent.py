"""A voice agent server built with Plivo's official stream SDK (``plivo_stream``), on loopback in a
thread of its own, as a customer would write one: it checks the connection's signature with the
SDK's own helper, records everything the platform sends, and plays audio back when told to.

Behaviour is set per test: ``greeting`` (text spoken back on ``start``, rendered by the
platform's TTS, sent as µ-law in 16 KB pieces, followed by a checkpoint), ``barge_in`` (send
``clearAudio`` as soon as the caller's audio is loud), ``send_dtmf`` (digits for ``sendDTMF`` on
``start``), ``close_after`` (close the socket after that many media messages).
"""

import asyncio
import audioop
import socket
import threading
import time
from collections import defaultdict
from typing import Any

import uvicorn
from fastapi import FastAPI, WebSocket
from plivo_stream.fastapi import PlivoFastAPIStreamingHandler
from plivo_stream.types import EventType

from switchboard.media import tts

PIECE = 16 * 1024


def mulaw_of(text: str) -> bytes:
    return audioop.lin2ulaw(tts.synthesize(text, "MAN", "en-US", rate=int(tts.words_per_minute("MAN"))), 2)


class Agent:
    def __init__(self, auth_token: str):
        self.auth_token = auth_token
        self.starts: list[Any] = []
        self.raw: list[dict[str, Any]] = []
        self.audio: dict[str, bytearray] = defaultdict(bytearray)
        self.chunks: dict[str, list[int]] = defaultdict(list)
        self.timestamps: list[str] = []
        self.digits = ""
        self.played: list[str] = []
        self.cleared = 0
        self.errors: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.closed = threading.Event()
        self.greeting = ""
        self.barge_in = False
        self.barged_at: float | None = None
        self.send_dtmf = ""
        self.close_after: int | None = None
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        app = FastAPI()
        app.add_api_websocket_route("/agent", self._serve)
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="off"))
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve(sockets=[self._sock])), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/agent"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def wait_closed(self, timeout: float = 30.0) -> None:
        assert self.closed.wait(timeout), "the stream did not close"

    def loud_seconds(self, track: str = "inbound") -> float:
        """How much of the received audio (decoded to 8 kHz PCM) is louder than line noise."""
        pcm = self.pcm(track)
        frames = [pcm[i:i + 320] for i in range(0, len(pcm) - 319, 320)]
        return sum(0.02 for frame in frames if audioop.rms(frame, 2) > 300)

    def pcm(self, track: str = "inbound") -> bytes:
        encoding = self.starts[0].start.media_format.encoding
        rate = self.starts[0].start.media_format.sample_rate
        data = bytes(self.audio[track])
        if encoding == "audio/x-mulaw":
            return audioop.ulaw2lin(data, 2)
        return data if rate == 8000 else audioop.ratecv(data, 2, 1, rate, 8000, None)[0]

    async def _serve(self, websocket: WebSocket) -> None:
        self.connections += 1
        self.headers.append(dict(websocket.headers))
        handler = PlivoFastAPIStreamingHandler(websocket)
        media_count = 0

        @handler.on_start
        async def started(event: Any) -> None:
            self.starts.append(event)
            if self.send_dtmf:
                await handler.send_json({"event": "sendDTMF", "dtmf": self.send_dtmf})
            if self.greeting:
                audio = mulaw_of(self.greeting)
                for offset in range(0, len(audio), PIECE):
                    await handler.send_media(audio[offset:offset + PIECE], "audio/x-mulaw", 8000)
                await handler.send_checkpoint("greeting")

        @handler.on_media
        async def media(event: Any) -> None:
            nonlocal media_count
            media_count += 1
            self.audio[event.media.track] += event.get_raw_media()
            self.chunks[event.media.track].append(event.media.chunk)
            self.timestamps.append(event.media.timestamp)
            if self.barge_in and self.barged_at is None and event.media.track == "inbound":
                frame = event.get_raw_media()
                if audioop.rms(audioop.ulaw2lin(frame, 2), 2) > 1000:
                    self.barged_at = time.monotonic()
                    await handler.send_clear_audio()
            if self.close_after is not None and media_count >= self.close_after:
                await handler.stop()

        @handler.on_dtmf
        async def dtmf(event: Any) -> None:
            self.digits += event.dtmf.digit

        @handler.on_played_stream
        async def played(event: Any) -> None:
            self.played.append(event.name)

        @handler.on_cleared_audio
        async def cleared(event: Any) -> None:
            self.cleared += 1

        @handler.on_error
        async def error(exc: Exception) -> None:
            self.errors.append(f"{type(exc).__name__}: {exc}")

        async def raw(event: Any) -> None:
            if len(self.raw) < 2000:
                self.raw.append(event.data)

        for kind in EventType:
            handler.on_event(kind)(raw)

        try:
            await handler.start(with_signature_verification=True, auth_token=self.auth_token)
        finally:
            self.closed.set()
