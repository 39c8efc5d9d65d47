"""A bare WebSocket server (the ``websockets`` library, no SDK) for what no SDK would send: broken
JSON, unknown events, oversize and flooding ``playAudio``, a connection dropped mid-call."""

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

Behaviour = Callable[[ServerConnection], Awaitable[None]]


class RawServer:
    def __init__(self, behaviour: Behaviour):
        self.behaviour = behaviour
        self.received: list[str] = []
        self.connections = 0
        self.done = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Future[None] | None = None
        ready = threading.Event()

        async def main() -> None:
            self._stop = asyncio.get_running_loop().create_future()
            async with serve(self._serve, sock=self._sock, max_size=None):
                ready.set()
                await self._stop

        self._thread = threading.Thread(target=lambda: self._loop.run_until_complete(main()), daemon=True)
        self._thread.start()
        ready.wait(10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/raw"

    async def _serve(self, connection: ServerConnection) -> None:
        self.connections += 1
        try:
            await self.behaviour(connection)
        finally:
            self.done.set()

    def stop(self) -> None:
        def finish() -> None:
            if self._stop is not None and not self._stop.done():
                self._stop.set_result(None)

        self._loop.call_soon_threadsafe(finish)
        self._thread.join(10)


async def read_until(connection: ServerConnection, event: str, into: list[Any]) -> dict[str, Any]:
    """Read messages (kept in ``into``) until one of ``event``."""
    import json

    while True:
        message = json.loads(await connection.recv())
        into.append(message)
        if message["event"] == event:
            return message
