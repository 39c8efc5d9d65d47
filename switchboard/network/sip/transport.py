"""SIP transports: UDP and TCP on one listen address (RFC 3261 §18), with RFC 3581 ``rport``.

Every received request gets ``received``/``rport`` filled into its top Via, and responses go
back where the request came from: over the same TCP connection, or on UDP to the source address
and port when the client asked for ``rport`` (symmetric response), else to the source address
and the Via port. CRLF keep-alives are answered on TCP and ignored on UDP. Bytes that do not
parse are counted and logged, never raised.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from switchboard.network.sip.address import Via
from switchboard.network.sip.message import Request, Response, SipParseError, frame, parse

log = logging.getLogger("switchboard.sip")


@dataclass(frozen=True)
class Peer:
    protocol: str  # "UDP" | "TCP" | "WS" | "WSS" (a WebSocket flow, ``websocket.py``)
    host: str
    port: int


Handler = Callable[[Request | Response, Peer], None]


class Flow(Protocol):
    """A connection-oriented flow another module serves (a browser's WebSocket)."""

    def send(self, data: bytes) -> None: ...

    def close(self, code: int = 1001) -> None: ...


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, owner: "Transport"):
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        if data.strip(b"\r\n\x00 ") == b"":
            return  # keep-alive
        self.owner.received(data, Peer("UDP", addr[0], addr[1]), stream=False)

    def error_received(self, exc: Exception) -> None:
        log.debug("UDP error: %s", exc)


class _Tcp(asyncio.Protocol):
    def __init__(self, owner: "Transport"):
        self.owner, self.buffer = owner, bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer: Peer | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        host, port = transport.get_extra_info("peername")[:2]
        self.peer = Peer("TCP", host, port)
        self.owner.connections[self.peer] = self

    def data_received(self, data: bytes) -> None:
        assert self.peer is not None and self.transport is not None
        self.buffer += data
        if self.buffer[:4] == b"\r\n\r\n":  # RFC 5626 ping: answer with a pong
            del self.buffer[:4]
            self.transport.write(b"\r\n")
        while True:
            try:
                message = frame(self.buffer)
            except SipParseError as exc:
                self.owner.rejected(self.peer, str(exc))
                self.transport.close()
                return
            if message is None:
                return
            self.owner.received(message, self.peer, stream=True)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None and self.owner.connections.get(self.peer) is self:
            del self.owner.connections[self.peer]


class Transport:
    """The SIP transport layer: ``handler(message, peer)`` receives every parsed message."""

    def __init__(self, handler: Handler):
        self.handler = handler
        self.connections: dict[Peer, _Tcp] = {}
        self.flows: dict[Peer, Flow] = {}
        """WebSocket connections (RFC 7118) by peer (``websocket.py``)."""
        self.udp: asyncio.DatagramTransport | None = None
        self.tcp: asyncio.Server | None = None
        self.host, self.port = "127.0.0.1", 0
        self.malformed = 0

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.udp, _ = await loop.create_datagram_endpoint(lambda: _Udp(self), local_addr=(host, port))
        self.host, self.port = self.udp.get_extra_info("sockname")[:2]
        self.tcp = await loop.create_server(lambda: _Tcp(self), host, self.port, reuse_address=True)
        log.info("SIP listening on %s:%s (UDP and TCP)", self.host, self.port)

    async def stop(self) -> None:
        for flow in list(self.flows.values()):
            flow.close()
        for connection in list(self.connections.values()):
            if connection.transport is not None:
                connection.transport.close()
        if self.udp is not None:
            self.udp.close()
        if self.tcp is not None:
            self.tcp.close()
            await self.tcp.wait_closed()

    def rejected(self, peer: Peer, why: str) -> None:
        self.malformed += 1
        log.info("malformed SIP from %s:%s (%s): %s", peer.host, peer.port, peer.protocol, why)

    def received(self, data: bytes, peer: Peer, stream: bool) -> None:
        try:
            message = parse(data, stream=stream)
            if isinstance(message, Request):
                top = Via.parse(message.via[0])
                if top.host != peer.host:
                    top.params["received"] = peer.host
                if "rport" in top.params:
                    top.params["rport"] = str(peer.port)
                message.headers.items[[n for n, _ in message.headers.items].index("Via")] = ("Via", str(top))
        except (SipParseError, ValueError, IndexError) as exc:
            self.rejected(peer, str(exc))
            return
        try:
            self.handler(message, peer)
        except Exception:
            log.exception("handling SIP %s from %s:%s failed", getattr(message, "method", "response"), peer.host, peer.port)

    def response_peer(self, request: Request, peer: Peer) -> Peer:
        """Where responses to ``request`` (received from ``peer``) go."""
        if peer.protocol != "UDP":
            return peer
        top = Via.parse(request.via[0])
        if top.params.get("rport"):
            return Peer("UDP", peer.host, int(top.params["rport"]))
        return Peer("UDP", top.params.get("received") or peer.host, top.port or 5060)

    def send(self, message: Request | Response, peer: Peer) -> None:
        data = message.encode()
        if peer.protocol in ("WS", "WSS"):
            flow = self.flows.get(peer)
            if flow is None:
                log.info("SIP to %s:%s: its WebSocket is closed", peer.host, peer.port)
            else:
                flow.send(data)
            return
        if peer.protocol == "TCP":
            connection = self.connections.get(peer)
            if connection is not None and connection.transport is not None:
                connection.transport.write(data)
            else:
                asyncio.get_running_loop().create_task(self._connect_and_send(peer, data))
            return
        if self.udp is not None:
            self.udp.sendto(data, (peer.host, peer.port))

    async def _connect_and_send(self, peer: Peer, data: bytes) -> None:
        try:
            transport, protocol = await asyncio.get_running_loop().create_connection(lambda: _Tcp(self), peer.host, peer.port)
        except OSError as exc:
            log.info("SIP over TCP to %s:%s failed: %s", peer.host, peer.port, exc)
            return
        self.connections[peer] = protocol
        transport.write(data)

    def via(self, protocol: str, branch: str) -> str:
        return f"SIP/2.0/{protocol} {self.host}:{self.port};branch={branch};rport"
