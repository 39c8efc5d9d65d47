"""SIP over WebSocket (RFC 7118): browser phones connect to ``/signalling`` on the HTTP server.

Each WebSocket connection is a *flow* (RFC 5626) of the SIP transport: its peer is
``Peer("WS"|"WSS", client address, client port)``, every text or binary message is one SIP
message, and requests to the browser (an INVITE to its registration, a BYE) go back over the same
connection, since a browser's Contact host is ``….invalid`` and cannot be reached otherwise. When
the connection closes, the registrations made over it are removed at once (the endpoint stops
showing ``sip_registered``), and a call whose only path was that flow can no longer be signalled.

A connection that sends nothing within :data:`FIRST_MESSAGE_SECONDS`, or nothing at all for
:data:`IDLE_SECONDS` (the browser SDK sends a keep-alive every few seconds), is closed.
"""

import asyncio
import logging
from typing import TYPE_CHECKING

from starlette.websockets import WebSocket, WebSocketDisconnect

from switchboard.network.sip.transport import Peer

if TYPE_CHECKING:
    from switchboard.network.sip.stack import SipStack

log = logging.getLogger("switchboard.sip")
SUBPROTOCOL = "sip"
FIRST_MESSAGE_SECONDS = 30.0
IDLE_SECONDS = 300.0
MAX_QUEUED = 256
"""Messages waiting to be written to a browser that does not read; past that they are dropped."""


async def serve(websocket: WebSocket, stack: "SipStack | None") -> None:
    """Run one browser's SIP flow until either side closes it."""
    if SUBPROTOCOL not in websocket.scope.get("subprotocols", []):
        await websocket.close(code=1002, reason="the sip subprotocol is required (RFC 7118)")
        return
    if stack is None:
        await websocket.close(code=1013, reason="SIP is not enabled on this node (--sip-listen)")
        return
    await websocket.accept(subprotocol=SUBPROTOCOL)
    client = websocket.client
    secure = websocket.url.scheme == "wss" or websocket.headers.get("x-forwarded-proto") == "https"
    peer = Peer("WSS" if secure else "WS", client.host if client else "", client.port if client else 0)
    flow = _Flow(websocket, peer)
    stack.transport.flows[peer] = flow
    log.info("SIP over WebSocket: %s:%s connected", peer.host, peer.port)
    try:
        await _read(websocket, stack, peer)
    finally:
        if stack.transport.flows.get(peer) is flow:
            del stack.transport.flows[peer]
        await flow.stop()
        await stack.flow_closed(peer)
        log.info("SIP over WebSocket: %s:%s closed", peer.host, peer.port)


class _Flow:
    """Writing to one browser: messages queue and a task sends them in order."""

    def __init__(self, websocket: WebSocket, peer: Peer):
        self.websocket, self.peer = websocket, peer
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue(MAX_QUEUED)
        self.writer = asyncio.create_task(self._write(), name=f"sip-ws-{peer.port}")

    def send(self, data: bytes) -> None:
        if self.outbox.full():
            log.info("SIP over WebSocket to %s:%s: the browser does not read; message dropped", self.peer.host, self.peer.port)
            return
        self.outbox.put_nowait(data)

    def close(self, code: int = 1001) -> None:
        """Close the connection from our side (the node is going away)."""
        asyncio.get_running_loop().create_task(self.websocket.close(code=code))

    async def _write(self) -> None:
        while True:
            data = await self.outbox.get()
            await self.websocket.send_text(data.decode("utf-8", "replace"))

    async def stop(self) -> None:
        self.writer.cancel()
        await asyncio.gather(self.writer, return_exceptions=True)


async def _read(websocket: WebSocket, stack: "SipStack", peer: Peer) -> None:
    timeout = FIRST_MESSAGE_SECONDS
    while True:
        try:
            message = await asyncio.wait_for(websocket.receive(), timeout)
        except (TimeoutError, asyncio.TimeoutError):
            log.info("SIP over WebSocket: %s:%s silent for %.0f s, closing", peer.host, peer.port, timeout)
            await websocket.close(code=1000)
            return
        except WebSocketDisconnect:
            return
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes") or (message.get("text") or "").encode("utf-8")
        timeout = IDLE_SECONDS
        if not data.strip(b"\r\n\x00 "):
            continue  # a keep-alive
        stack.transport.received(data, peer, stream=False)
