"""SIP transactions (RFC 3261 §17) with the standard timers, over :mod:`.transport`.

Server side: a retransmitted request gets the last response again; an INVITE gets "100 Trying"
at once (before anything slow, so a peer never sees the 100 after the final response); a final
response to an INVITE is retransmitted on UDP (Timer G, doubling up to T2) until the ACK arrives
or Timer H (64·T1) gives up. The 2xx is retransmitted the same way until the dialog's ACK (a new
transaction, matched by Call-ID and CSeq) arrives — RFC 3261 §13.3.1.4 puts that in the UAS
core; it lives here so there is one retransmission engine. Completed transactions linger for
Timer I/J to absorb retransmissions.

Client side: requests are retransmitted on UDP (Timer A for INVITE, doubling; Timer E for others,
capped at T2) until a response, and time out with a locally made 408 (Timers B and F). A non-2xx
final response to an INVITE is ACKed inside the transaction (same branch).

These are wire timers: they run on the event loop's real time, not the virtual clock, because a
real peer is on the other side.
"""

import asyncio
import logging
import secrets
from collections.abc import Callable

from switchboard.network.sip.address import Via
from switchboard.network.sip.message import Headers, Request, Response, response_to
from switchboard.network.sip.transport import Peer, Transport

log = logging.getLogger("switchboard.sip")
T1, T2, T4 = 0.5, 4.0, 5.0
MAGIC = "z9hG4bK"


def new_branch() -> str:
    return MAGIC + secrets.token_hex(8)


def _server_key(request: Request) -> tuple[str, ...]:
    via = Via.parse(request.via[0])
    method = "INVITE" if request.method == "ACK" else request.method
    if via.branch.startswith(MAGIC):
        return (via.branch, f"{via.host}:{via.port}", method)
    return (request.call_id, str(request.cseq[0]), request.via[0], method)  # RFC 2543 peers


class ServerTransaction:
    def __init__(self, layer: "TransactionLayer", request: Request, peer: Peer):
        self.layer, self.request, self.peer = layer, request, peer
        self.reply_to = layer.transport.response_peer(request, peer)
        self.last: Response | None = None
        self.key = _server_key(request)
        self._timer: asyncio.TimerHandle | None = None
        self.acked = False

    @property
    def reliable(self) -> bool:
        return self.peer.protocol != "UDP"

    def respond(self, response: Response) -> None:
        """Send ``response`` (provisional or final) and run the timers a final response starts."""
        if self.last is not None and self.last.status >= 200:
            return  # one final response per transaction
        self.last = response
        self.layer.transport.send(response, self.reply_to)
        if response.status < 200:
            return
        if self.request.method == "INVITE":
            if response.status < 300:
                self.layer.awaiting_ack[(self.request.call_id, self.request.cseq[0])] = self
            if not self.reliable:
                self._schedule(T1, self._retransmit, T1)
            self._after(64 * T1, self._no_ack)
        else:
            self._after(0 if self.reliable else 64 * T1, self._forget)

    def _schedule(self, delay: float, callback: Callable[..., None], *args: object) -> None:
        self._timer = asyncio.get_running_loop().call_later(delay, callback, *args)

    def _after(self, delay: float, callback: Callable[[], None]) -> None:
        asyncio.get_running_loop().call_later(delay, callback)

    def _retransmit(self, interval: float) -> None:
        if self.acked or self.last is None:
            return
        self.layer.transport.send(self.last, self.reply_to)
        self._schedule(min(2 * interval, T2), self._retransmit, min(2 * interval, T2))

    def ack(self) -> None:
        """The ACK for the final response arrived: stop retransmitting (Timer I then forgets)."""
        if self.acked:
            return
        self.acked = True
        if self._timer is not None:
            self._timer.cancel()
        self.layer.awaiting_ack.pop((self.request.call_id, self.request.cseq[0]), None)
        self._after(0 if self.reliable else T4, self._forget)

    def _no_ack(self) -> None:
        if self.acked:
            return
        self.ack()
        if self.last is not None and self.last.status < 300:
            self.layer.on_ack_timeout(self.request)

    def _forget(self) -> None:
        self.layer.server.pop(self.key, None)

    def retransmitted(self) -> None:
        if self.last is not None:
            self.layer.transport.send(self.last, self.reply_to)


ResponseHandler = Callable[[Response], None]


class ClientTransaction:
    def __init__(self, layer: "TransactionLayer", request: Request, peer: Peer, on_response: ResponseHandler):
        self.layer, self.request, self.peer, self.on_response = layer, request, peer, on_response
        self.branch = Via.parse(request.via[0]).branch
        self.key = (self.branch, request.method)
        self.final: Response | None = None
        self.provisional = False
        self._timer: asyncio.TimerHandle | None = None
        self.done: asyncio.Future[Response] = asyncio.get_running_loop().create_future()

    def start(self) -> None:
        self.layer.transport.send(self.request, self.peer)
        loop = asyncio.get_running_loop()
        if self.peer.protocol == "UDP":
            self._timer = loop.call_later(T1, self._retransmit, T1)
        loop.call_later(64 * T1, self._timeout)

    def _retransmit(self, interval: float) -> None:
        if self.final is not None or (self.provisional and self.request.method == "INVITE"):
            return
        self.layer.transport.send(self.request, self.peer)
        step = 2 * interval if self.request.method == "INVITE" else min(2 * interval, T2)
        self._timer = asyncio.get_running_loop().call_later(step, self._retransmit, step)

    def _timeout(self) -> None:
        if self.final is None and not (self.provisional and self.request.method == "INVITE"):
            self.received(response_to(self.request, 408, "Request Timeout (no answer from the peer)"))

    def received(self, response: Response) -> None:
        if self.final is not None:
            if response.status >= 300 and self.request.method == "INVITE":
                self.layer.transport.send(self._ack(response), self.peer)
            elif response.status < 300 and self.request.method == "INVITE":
                self.on_response(response)  # a retransmitted 2xx: the dialog ACKs it again
            return
        if response.status < 200:
            self.provisional = True
            self.on_response(response)
            return
        self.final = response
        if self._timer is not None:
            self._timer.cancel()
        if response.status >= 300 and self.request.method == "INVITE":
            self.layer.transport.send(self._ack(response), self.peer)
        linger = 0 if self.peer.protocol != "UDP" else (32.0 if self.request.method == "INVITE" else T4)
        asyncio.get_running_loop().call_later(linger, self.layer.client.pop, self.key, None)
        if not self.done.done():
            self.done.set_result(response)
        self.on_response(response)

    def _ack(self, response: Response) -> Request:
        headers = Headers()
        headers.add("Via", self.request.via[0])
        for route in self.request.headers.get_all("Route"):
            headers.add("Route", route)
        headers.add("Max-Forwards", "70")
        headers.add("From", self.request.headers.get("From") or "")
        headers.add("To", response.headers.get("To") or "")
        headers.add("Call-ID", self.request.call_id)
        headers.add("CSeq", f"{self.request.cseq[0]} ACK")
        return Request(headers, b"", method="ACK", uri=self.request.uri)

    def cancel_request(self) -> Request:
        """The CANCEL for this INVITE (RFC 3261 §9.1): same branch, URI, Call-ID, From, To, CSeq number."""
        headers = Headers()
        headers.add("Via", self.request.via[0])
        for route in self.request.headers.get_all("Route"):
            headers.add("Route", route)
        headers.add("Max-Forwards", "70")
        for name in ("From", "To", "Call-ID"):
            headers.add(name, self.request.headers.get(name) or "")
        headers.add("CSeq", f"{self.request.cseq[0]} CANCEL")
        return Request(headers, b"", method="CANCEL", uri=self.request.uri)


class TransactionLayer:
    """Matches messages to transactions. New requests (and ACKs for 2xx) go to ``on_request``;
    responses that match no client transaction are dropped."""

    def __init__(self, transport: Transport, on_request: Callable[[Request, Peer, ServerTransaction | None], None]):
        self.transport, self.on_request = transport, on_request
        self.server: dict[tuple[str, ...], ServerTransaction] = {}
        self.client: dict[tuple[str, str], ClientTransaction] = {}
        self.awaiting_ack: dict[tuple[str, int], ServerTransaction] = {}
        self.on_ack_timeout: Callable[[Request], None] = lambda request: None
        self.admit: Callable[[Request, Peer], bool] = lambda request, peer: True
        """Checked before a new server transaction exists (flood control: no state, no 100 Trying)."""
        transport.handler = self.received

    def received(self, message: Request | Response, peer: Peer) -> None:
        if isinstance(message, Response):
            try:
                branch = Via.parse(message.via[0]).branch
            except ValueError:
                return
            transaction = self.client.get((branch, message.cseq[1]))
            if transaction is not None:
                transaction.received(message)
            return
        key = _server_key(message)
        existing = self.server.get(key)
        if message.method == "ACK":
            if existing is not None and existing.last is not None and existing.last.status >= 300:
                existing.ack()  # ACK of our error response: absorbed
                return
            pending = self.awaiting_ack.get((message.call_id, message.cseq[0]))
            if pending is not None:
                pending.ack()
            self.on_request(message, peer, None)
            return
        if existing is not None:
            existing.retransmitted()
            return
        if not self.admit(message, peer):
            return
        transaction = ServerTransaction(self, message, peer)
        self.server[transaction.key] = transaction
        if message.method == "INVITE":
            transaction.respond(response_to(message, 100))
        self.on_request(message, peer, transaction)

    def request(self, request: Request, peer: Peer, on_response: ResponseHandler) -> ClientTransaction:
        transaction = ClientTransaction(self, request, peer, on_response)
        self.client[transaction.key] = transaction
        transaction.start()
        return transaction

    def find_invite(self, cancel: Request) -> ServerTransaction | None:
        """The INVITE server transaction a CANCEL names (same branch and sent-by)."""
        key = _server_key(cancel)
        return self.server.get((*key[:-1], "INVITE"))
