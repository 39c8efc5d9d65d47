"""The SIP user agent of the platform: dispatches requests to the registrar, to new calls and to
the dialogs of live calls; sends in-dialog requests; watches RTP for dead peers.

One instance per node, started by ``switchboard serve`` when a SIP listen address is set. It is
plain asyncio on the server's event loop (the decision and why: docs/architecture.md).
"""

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from switchboard.core.clock import Clock
from switchboard.network.rtp.pacer import Pacer
from switchboard.network.rtp.session import RtpSession
from switchboard.network.sip import sdp
from switchboard.network.sip.address import NameAddr
from switchboard.network.sip.auth import Nonces
from switchboard.network.sip.guard import FloodGuard
from switchboard.network.sip.legs import SipLeg
from switchboard.network.sip.message import Request, Response, response_to
from switchboard.network.sip.registrar import Registrar
from switchboard.network.sip.transaction import ServerTransaction, TransactionLayer
from switchboard.network.sip.transport import Peer, Transport

if TYPE_CHECKING:
    from switchboard.network.sip.media import MediaRenderer
    from switchboard.network.sip.network import SipNetwork

log = logging.getLogger("switchboard.sip")


@dataclass
class SipSettings:
    host: str = "127.0.0.1"
    port: int = 5060
    media_host: str = ""  # the address put in SDP; default: host
    domain: str = "127.0.0.1"
    rtp_timeout: float = 60.0  # Plivo's media timeout: no RTP for 60 s ends the call (6020)
    invite_rate: float = 20.0  # INVITEs per second per unknown source address before dropping
    access_token_key: bytes = b""  # checks browsers' access tokens (endpoints/tokens.py)


class SipStack:
    ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, settings: SipSettings,
                 media: "MediaRenderer"):
        self.sessionmaker, self.clock, self.settings, self.media = sessionmaker, clock, settings, media
        self.transport = Transport(lambda message, peer: None)
        self.transactions = TransactionLayer(self.transport, self.on_request)
        self.transactions.on_ack_timeout = self._ack_timeout
        self.transactions.admit = self._admit
        self.nonces = Nonces()
        self.registrar = Registrar(sessionmaker, clock, self.nonces, lambda: settings.domain, settings.access_token_key)
        self.guard = FloodGuard(settings.invite_rate)
        self.pacer = Pacer()
        self.network: "SipNetwork | None" = None
        self.dialogs: dict[tuple[str, str, str], SipLeg] = {}
        self.pending: dict[str, SipLeg] = {}  # every live leg by the Call-ID of its INVITE (CANCEL finds it)
        self._tasks: set[asyncio.Task[object]] = set()
        self.stats: Counter[str] = Counter()
        """Totals over ended legs: rtp_in, rtp_out, loud_in (non-silent frames), wrong_source, digits_in."""
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def media_host(self) -> str:
        return self.settings.media_host or self.transport.host

    async def start(self) -> None:
        await self.transport.start(self.settings.host, self.settings.port)
        self._watchdog = asyncio.create_task(self._watch(), name="sip-watchdog")

    async def stop(self) -> None:
        for leg in list(self.dialogs.values()) + list(self.pending.values()):
            await leg.hangup("platform")
        if self._watchdog is not None:
            self._watchdog.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, *( [self._watchdog] if self._watchdog else []), return_exceptions=True)
        await self.pacer.stop()
        await self.transport.stop()

    def spawn(self, coroutine: object, name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def contact(self, protocol: str = "UDP") -> str:
        transport = {"TCP": ";transport=tcp", "WS": ";transport=ws", "WSS": ";transport=wss"}.get(protocol, "")
        return f"<sip:switchboard@{self.transport.host}:{self.transport.port}{transport}>"

    def local_sdp(self, rtp: RtpSession, codecs: list[int] | None = None, direction: str = "sendrecv") -> bytes:
        chosen = codecs or [rtp.payload_type]
        return sdp.build(self.media_host, rtp.local_port, chosen, rtp.event_pt if codecs is None else 101, direction)

    async def new_rtp(self) -> RtpSession:
        session = RtpSession(lambda digit: None)
        await session.open(self.settings.media_host or self.settings.host)
        return session

    # --- dialogs -------------------------------------------------------------------------------

    def remember(self, leg: SipLeg) -> None:
        if leg.dialog is not None:
            self.dialogs[leg.dialog.key] = leg

    def forget(self, leg: SipLeg) -> None:
        self.pacer.remove(leg.rtp)
        rtp = leg.rtp
        self.stats.update(rtp_in=rtp.packets_in, rtp_out=rtp.packets_out, loud_in=rtp.loud_frames,
                          wrong_source=rtp.wrong_source, digits_in=leg.digits_heard, legs=1)
        if leg.dialog is not None:
            self.dialogs.pop(leg.dialog.key, None)
        if leg.invite is not None:
            self.pending.pop(leg.invite.call_id, None)

    def _dialog_leg(self, request: Request) -> SipLeg | None:
        local = NameAddr.parse(request.headers.get("To") or "").tag
        remote = NameAddr.parse(request.headers.get("From") or "").tag
        return self.dialogs.get((request.call_id, local, remote))

    def send_in_dialog(self, leg: SipLeg, method: str) -> None:
        assert leg.dialog is not None
        request = leg.dialog.request(self.transport, method)
        self.transactions.request(request, leg.dialog.next_hop(leg.peer), lambda response: None)

    def send_ack(self, leg: SipLeg, response: Response) -> None:
        assert leg.dialog is not None and leg.invite is not None
        ack = leg.dialog.request(self.transport, "ACK", cseq=leg.invite.cseq[0])
        self.transport.send(ack, leg.dialog.next_hop(leg.peer))

    def ack_and_bye(self, leg: SipLeg, response: Response) -> None:
        """A 2xx arrived for a leg we already ended (a race with CANCEL): ACK it, then BYE."""
        from switchboard.network.sip.dialog import Dialog

        assert leg.invite is not None
        if leg.dialog is None:
            leg.dialog = Dialog.as_uac(leg.invite, response, leg.peer)
            self.send_ack(leg, response)
            self.send_in_dialog(leg, "BYE")

    def cancel(self, leg: SipLeg) -> None:
        """CANCEL our INVITE (RFC 3261 §9.1: only once a provisional response has arrived; before
        that the CANCEL waits for one, and a final response makes it moot)."""
        transaction = leg.client_tx
        if transaction is None or transaction.final is not None:
            return

        def send() -> None:
            if transaction.final is None:
                self.transactions.request(transaction.cancel_request(), transaction.peer, lambda response: None)

        if transaction.provisional:
            send()
        else:
            original = transaction.on_response

            def on_first(response: Response) -> None:
                original(response)
                if response.status < 200:
                    transaction.on_response = original
                    send()

            transaction.on_response = on_first

    # --- requests ------------------------------------------------------------------------------

    def on_request(self, request: Request, peer: Peer, transaction: ServerTransaction | None) -> None:
        method = request.method
        try:
            has_to_tag = bool(NameAddr.parse(request.headers.get("To") or "").tag)
            NameAddr.parse(request.headers.get("From") or "")
        except ValueError:
            if transaction is not None:
                transaction.respond(response_to(request, 400, "Bad Request (From or To)"))
            return
        if method == "ACK":
            leg = self._dialog_leg(request)
            if leg is not None:
                leg.far_end_request(request, None)
            return
        assert transaction is not None
        if method == "REGISTER":
            self.spawn(self._register(request, peer, transaction), "sip-register")
        elif method == "OPTIONS" and not has_to_tag:
            transaction.respond(response_to(request, 200, to_tag="options", extra=[
                ("Allow", self.ALLOW), ("Accept", "application/sdp")]))
        elif method == "MESSAGE" and not has_to_tag and request.body.strip() == b"ipAddress":
            # the browser SDK asks for the address it is seen from (a keep-alive too)
            transaction.respond(response_to(request, 200, to_tag="message", body=peer.host.encode(),
                                            extra=[("Content-Type", "text/plain")]))
        elif method == "CANCEL":
            self._cancelled(request, transaction)
        elif has_to_tag:
            leg = self._dialog_leg(request)
            if leg is None:
                transaction.respond(response_to(request, 481))
            else:
                leg.far_end_request(request, transaction)
        elif method == "INVITE":
            if self.network is None:
                transaction.respond(response_to(request, 503))
                return
            self.spawn(self.network.incoming_invite(request, peer, transaction), "sip-invite")
        elif method in ("BYE", "INFO", "UPDATE"):
            transaction.respond(response_to(request, 481))
        else:
            transaction.respond(response_to(request, 405, extra=[("Allow", self.ALLOW)]))

    def _admit(self, request: Request, peer: Peer) -> bool:
        """New INVITEs and REGISTERs from one address beyond its rate are dropped without a
        response (a flood: not even a 100 Trying, no database work)."""
        if request.method not in ("INVITE", "REGISTER") or self.guard.allow(peer.host):
            return True
        self.guard.dropped += 1
        return False

    async def _register(self, request: Request, peer: Peer, transaction: ServerTransaction) -> None:
        try:
            try:
                response = await self.registrar.register(request, peer)
            except (StaleDataError, IntegrityError):
                # the binding changed under us (a browser's old flow closing as its new one
                # registers the same contact): read it afresh once
                response = await self.registrar.register(request, peer)
            transaction.respond(response)
        except Exception:
            log.exception("REGISTER from %s failed", peer.host)
            transaction.respond(response_to(request, 500))

    def _cancelled(self, cancel: Request, transaction: ServerTransaction) -> None:
        invite = self.transactions.find_invite(cancel)
        leg = self.pending.get(cancel.call_id)
        if invite is None or (invite.last is not None and invite.last.status >= 200):
            transaction.respond(response_to(cancel, 481))
            return
        transaction.respond(response_to(cancel, 200))
        if leg is not None:
            leg._respond(487)
            leg.far_end_ended("hangup")
        else:
            invite.respond(response_to(invite.request, 487, to_tag="cancelled"))

    def _ack_timeout(self, invite: Request) -> None:
        """Our 2xx was never ACKed (Timer H): the caller is gone; end the call with a BYE."""
        for leg in list(self.dialogs.values()):
            if leg.invite is invite and leg.is_up:
                log.info("call %s: no ACK for our 200 OK, hanging up", leg.uuid)
                self.send_in_dialog(leg, "BYE")
                leg.far_end_ended("unreachable")

    async def flow_closed(self, peer: Peer) -> None:
        """A WebSocket flow closed: its registrations go at once, its calls end (the browser is gone)."""
        from switchboard.endpoints.bindings import drop_source

        for leg in list(self.dialogs.values()) + list(self.pending.values()):
            if leg.peer == peer and not leg.ended.done():
                leg.far_end_ended("hangup")
        try:
            async with self.sessionmaker() as session:
                await drop_source(session, f"{peer.protocol}:{peer.host}:{peer.port}", self.clock.now())
        except Exception:
            log.exception("removing the registrations of %s:%s failed", peer.host, peer.port)

    # --- dead peers ------------------------------------------------------------------------------

    async def _watch(self) -> None:
        """Every second: an answered leg whose peer sent no RTP for ``rtp_timeout`` is ended with a
        BYE and Plivo's 6020 Media Timeout. Expired registrations are swept once a minute."""
        from switchboard.endpoints.bindings import expire_bindings

        loop = asyncio.get_running_loop()
        ticks = 0
        while True:
            await asyncio.sleep(1.0)
            ticks += 1
            now = loop.time()
            for leg in list(self.dialogs.values()):
                if leg.answered.done() and leg.is_up and now - leg.rtp.last_rx > self.settings.rtp_timeout:
                    log.info("call %s: no RTP for %.0f s, hanging up", leg.uuid, now - leg.rtp.last_rx)
                    self.send_in_dialog(leg, "BYE")
                    leg.far_end_ended("media-timeout")
            if ticks % 60 == 0:
                try:
                    async with self.sessionmaker() as session:
                        await expire_bindings(session, self.clock.now())
                except Exception:
                    log.exception("sweeping expired SIP registrations failed")
