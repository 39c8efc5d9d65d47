"""The SIP network: real calls in and out, with the simulated network for everything else.

Inbound INVITEs come from a carrier (source address in an enabled incoming carrier's IP set,
calling one of the numbers added with that carrier) or from an endpoint (digest-authenticated
with 407 against its credentials). Anything else — a carrier's address dialling a number that is
not its own included — must authenticate as an endpoint, so a shared address cannot reach
another account's numbers. Outbound legs go to a registered endpoint (``sip:user@our
domain``: to the address its binding was refreshed from), to any other SIP URI directly, or, for
a phone number, through the account's outgoing carrier: ``prefix + number + suffix`` at its
address, then its failover address with the failover prefix, the whole round repeated
``retries`` times ``retry_seconds`` apart. A number the account has no outgoing carrier for stays
on the simulated network (``fallback``), so one server mixes both.
"""

import asyncio
import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.ids import new_uuid
from switchboard.endpoints.bindings import live_bindings
from switchboard.endpoints.service import endpoint_by_username
from switchboard.network.channel import CallLeg, IncomingHandler, Network, OriginateRequest
from switchboard.network.sip import sdp
from switchboard.network.sip.address import NameAddr, SipUri
from switchboard.network.sip.dialog import Dialog, new_tag
from switchboard.network.sip.legs import SipLeg
from switchboard.endpoints.models import Endpoint
from switchboard.endpoints.tokens import JwtError
from switchboard.network.sip.message import Headers, Request, Response, response_to
from switchboard.network.sip.registrar import TOKEN_ERROR_HEADER, TOKEN_HEADER, token_login
from switchboard.network.sip.stack import SipStack
from switchboard.network.sip.transaction import ServerTransaction, new_branch
from switchboard.network.sip.transport import Peer
from switchboard.network.webrtc.leg import WebRtcLeg
from switchboard.network.webrtc.media import WebRtcError, WebRtcMedia
from switchboard.numbers.models import IncomingCarrier, OutgoingCarrier
from switchboard.numbers.service import number_for_routing

log = logging.getLogger("switchboard.sip")
CARRIER_CACHE_SECONDS = 5.0
BROWSER_TRANSPORTS = ("WS", "WSS")
"""A call over a WebSocket flow is a browser's: WebRTC media (network/webrtc)."""
FINAL = {486: "busy", 600: "busy", 603: "rejected", 403: "rejected", 404: "rejected", 484: "rejected",
         480: "no-answer", 408: "no-answer", 487: "hangup"}
"""Responses that end an outbound leg without trying the failover address; others (5xx, a
timeout) move on to the next address."""


@dataclass
class Attempt:
    uri: str
    peer: Peer
    inband_dtmf: bool = False


class SipNetwork(Network):
    def __init__(self, stack: SipStack, sessionmaker: async_sessionmaker[AsyncSession], fallback: Network):
        self.stack, self.sessionmaker, self.fallback = stack, sessionmaker, fallback
        stack.network = self
        self._carriers: list[tuple[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]]] = []
        self._carriers_at = 0.0
        self._inband: set[str] = set()

    # on_incoming/local_destination are set by the engine: the fallback network needs them too
    @property  # type: ignore[override]
    def on_incoming(self) -> IncomingHandler | None:
        return self.fallback.on_incoming

    @on_incoming.setter
    def on_incoming(self, handler: IncomingHandler | None) -> None:
        self.fallback.on_incoming = handler

    @property  # type: ignore[override]
    def local_destination(self):  # type: ignore[no-untyped-def]
        return self.fallback.local_destination

    @local_destination.setter
    def local_destination(self, check) -> None:  # type: ignore[no-untyped-def]
        self.fallback.local_destination = check

    # --- carriers --------------------------------------------------------------------------------

    async def _carriers_for(self, session: AsyncSession, host: str, wanted: str | None = None) -> set[str]:
        """The ids of the carriers whose IP sets hold ``host`` (several accounts may list one
        address; the dialled number's carrier decides). Carrier addresses are cached; a miss (or
        a ``wanted`` carrier not among them) re-reads them, so a carrier added a moment ago works
        at once, and the flood guard keeps such reads rare."""
        found = self._cached_carriers(host)
        if not found or (wanted is not None and wanted not in found) \
                or time.monotonic() - self._carriers_at > CARRIER_CACHE_SECONDS:
            rows = (await session.scalars(select(IncomingCarrier).where(IncomingCarrier.enabled.is_(True),
                                                                        IncomingCarrier.voice.is_(True)))).all()
            self._carriers = [(row.carrier_id, [ipaddress.ip_network(item, strict=False) for item in row.ip_set.split(",")])
                              for row in rows]
            self._carriers_at = time.monotonic()
            self._inband = {row.carrier_id for row in rows if row.inband_dtmf}
            self.stack.guard.trusted = [net for _, nets in self._carriers for net in nets]
            found = self._cached_carriers(host)
        return found

    def _cached_carriers(self, host: str) -> set[str]:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return set()
        return {carrier_id for carrier_id, nets in self._carriers if any(ip in net for net in nets)}

    # --- inbound ---------------------------------------------------------------------------------

    async def incoming_invite(self, request: Request, peer: Peer, transaction: ServerTransaction) -> None:
        try:
            await self._incoming(request, peer, transaction)
        except Exception:
            log.exception("INVITE from %s failed", peer.host)
            transaction.respond(response_to(request, 500, to_tag=new_tag()))

    async def _incoming(self, request: Request, peer: Peer, transaction: ServerTransaction) -> None:
        offer = None
        browser = peer.protocol in BROWSER_TRANSPORTS
        if browser and not request.body:
            transaction.respond(response_to(request, 488, "Not Acceptable Here (a browser must offer)", to_tag=new_tag()))
            return
        if request.body and not browser:
            try:
                offer = sdp.parse(request.body)
            except sdp.SdpError as exc:
                transaction.respond(response_to(request, 488, f"Not Acceptable Here ({exc})", to_tag=new_tag()))
                return
            if sdp.negotiate(offer) is None:
                transaction.respond(response_to(request, 488, "Not Acceptable Here (PCMU or PCMA only)",
                                                to_tag=new_tag(), extra=[("Warning", '304 switchboard "codec not supported"')]))
                return
        try:
            caller = NameAddr.parse(request.headers.get("From") or "")
            callee = SipUri.parse(request.uri)
            caller_uri = caller.sip_uri()
        except ValueError:
            transaction.respond(response_to(request, 400, "Bad Request (From or Request-URI)", to_tag=new_tag()))
            return
        domain = self.stack.settings.domain
        async with self.sessionmaker() as session:
            to = callee.user.lstrip("+")
            number = await number_for_routing(session, to) if to.isdigit() else None
            carriers = await self._carriers_for(session, peer.host, number.carrier_id if number else None)
            carrier_id = number.carrier_id if number is not None and number.carrier_id in carriers else None
            application_id = ""
            if carrier_id is not None:
                from_ = caller_uri.user.lstrip("+") or "anonymous"
            else:
                endpoint, refusal, application_id = await self._caller(session, request, caller_uri.user)
                if refusal is not None:
                    transaction.respond(refusal)
                    return
                assert endpoint is not None
                from_ = f"sip:{endpoint.username}@{domain}"
                target = callee.user
                digits = target.lstrip("+")
                to = digits if digits.isdigit() else f"sip:{target}@{domain}"
                if not digits.isdigit() and await endpoint_by_username(session, target) is None:
                    transaction.respond(response_to(request, 404, to_tag=new_tag()))
                    return
        if browser:
            media = WebRtcMedia()
            try:
                answer = await media.answer(request.body)
            except WebRtcError as exc:
                media.close()
                log.info("INVITE from browser %s:%s refused: %s", peer.host, peer.port, exc)
                transaction.respond(response_to(request, 488, f"Not Acceptable Here ({exc})", to_tag=new_tag()))
                return
            leg: SipLeg = WebRtcLeg(self.stack, media, peer, uuid=new_uuid(), direction="inbound", from_=from_, to=to,
                                    caller_name=caller.display)
            leg.answer_sdp = answer
            offer = None
        else:
            leg = SipLeg(self.stack, await self.stack.new_rtp(), peer, uuid=new_uuid(), direction="inbound",
                         from_=from_, to=to, caller_name=caller.display)
        rtp = leg.rtp
        leg.application_id = application_id
        leg.invite, leg.server_tx, leg.local_tag = request, transaction, new_tag()
        leg.listening.set_inband_dtmf(carrier_id in self._inband)
        leg.dialog = Dialog.as_uas(request, leg.local_tag, peer)
        leg.custom_headers = tuple((name[5:], value) for name, value in request.headers if name.lower().startswith("x-ph-"))
        leg.source_ip = peer.host
        if browser:
            pass
        elif offer is not None:
            codec, event_pt = sdp.negotiate(offer) or (sdp.PCMU, None)
            rtp.configure(offer.address, offer.port, codec, event_pt)
            leg.answer_sdp = self.stack.local_sdp(rtp, direction=sdp.answer_direction(offer.direction))
        else:  # offerless INVITE: we offer in the 200, the ACK answers
            rtp.payload_type, rtp.event_pt = sdp.PCMU, 101
            leg.answer_sdp = self.stack.local_sdp(rtp, codecs=[sdp.PCMU, sdp.PCMA])
        self.stack.pending[request.call_id] = leg
        self.stack.remember(leg)
        if self.on_incoming is None:
            await leg.hangup("platform")
            return
        await self.on_incoming(leg)

    async def _caller(self, session: AsyncSession, request: Request, user: str) -> tuple[Endpoint | None, Response | None, str]:
        """The endpoint placing a call and the application its token names: by its access token
        (``X-Plivo-Jwt``, needs the outgoing grant and a ``sub`` naming the endpoint), else by
        digest (407)."""
        token = request.headers.get(TOKEN_HEADER)
        if not token:
            return *await self.stack.registrar.authenticate(session, request, "Proxy-Authorization", 407, user), ""
        login = await token_login(session, request, token, user, self.stack.settings.access_token_key,
                                  self.stack.clock, "call")
        if isinstance(login, Response):
            return None, login, ""
        grant, endpoint = login
        if endpoint is None:
            log.info("INVITE with a token for %r: no endpoint named %r", user, grant.sub)
            return None, response_to(request, 403, "Forbidden (the token's sub is not an endpoint)", to_tag=new_tag(),
                                     extra=[(TOKEN_ERROR_HEADER, str(int(JwtError.INVALID_ACCESS_TOKEN_SUBJECT)))]), ""
        return endpoint, None, grant.app_id

    # --- outbound --------------------------------------------------------------------------------

    async def originate(self, request: OriginateRequest) -> CallLeg:
        if not request.to.startswith("sip:") and self.local_destination is not None \
                and await self.local_destination(request.to):
            return await self.fallback.originate(request)  # one of our own numbers: looped back in
        attempts = await self._attempts(request)
        if attempts is None:
            return await self.fallback.originate(request)
        first = attempts[0][0][0].peer
        identity = dict(uuid=request.call_uuid or new_uuid(), direction="outbound", from_=request.from_, to=request.to,
                        caller_name=request.caller_name)
        if first.protocol in BROWSER_TRANSPORTS:
            leg: SipLeg = WebRtcLeg(self.stack, WebRtcMedia(), first, **identity)
        else:
            leg = SipLeg(self.stack, await self.stack.new_rtp(), first, **identity)
        leg.listening.set_inband_dtmf(attempts[0][0][0].inband_dtmf)
        self.stack.spawn(self._place(leg, request, attempts), f"sip-out-{leg.uuid}")
        return leg

    async def _attempts(self, request: OriginateRequest) -> list[tuple[list[Attempt], float]] | None:
        """Rounds of addresses to try, each with the pause before the next round; None: not SIP."""
        domain = self.stack.settings.domain
        if request.to.startswith("sip:"):
            uri = SipUri.parse(request.to)
            if uri.host in (domain, self.stack.transport.host):
                async with self.sessionmaker() as session:
                    endpoint = await endpoint_by_username(session, uri.user)
                    bindings = await live_bindings(session, endpoint.endpoint_id, self.stack.clock.now()) if endpoint else []
                if not bindings:
                    return [([Attempt("", Peer("UDP", "", 0))], 0.0)]  # not registered: fails at once
                protocol, host, port = bindings[0].source.split(":", 2) if bindings[0].source else ("UDP", "", "0")
                return [([Attempt(bindings[0].contact, Peer(protocol, host, int(port)))], 0.0)]
            return [([Attempt(str(uri), await _peer(uri.host, uri.port, uri.transport))], 0.0)]
        account = request.account_id
        if not account:
            return None
        async with self.sessionmaker() as session:
            carrier = await session.scalar(select(OutgoingCarrier).where(OutgoingCarrier.account_id == account)
                                           .order_by(OutgoingCarrier.created, OutgoingCarrier.carrier_id).limit(1))
        if carrier is None:
            return None
        number = request.to.lstrip("+")
        addresses = [(carrier.address, carrier.prefix)]
        if carrier.failover_address:
            addresses.append((carrier.failover_address, carrier.failover_prefix))
        round_: list[Attempt] = []
        for address, prefix in addresses:
            host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
            round_.append(Attempt(f"sip:{prefix}{number}{carrier.suffix}@{address}",
                                  await _peer(host, int(port) if port else None, "udp"), carrier.inband_dtmf))
        return [(round_, float(carrier.retry_seconds))] * (carrier.retries + 1)

    async def _place(self, leg: SipLeg, request: OriginateRequest, rounds: list[tuple[list[Attempt], float]]) -> None:
        reason = "unreachable"
        try:
            for index, (attempts, pause) in enumerate(rounds):
                for attempt in attempts:
                    if leg.ended.done():
                        return
                    if not attempt.peer.host:
                        leg.far_end_ended("no-answer")  # an endpoint that is not registered
                        return
                    leg.peer = attempt.peer
                    status = await self._invite(leg, request, attempt)
                    if leg.ended.done() or 200 <= status < 300:
                        return
                    if status in FINAL:
                        leg.far_end_ended(FINAL[status])
                        return
                    log.info("call %s: %s answered %s, trying the next address", leg.uuid, attempt.uri, status)
                if index + 1 < len(rounds) and pause:
                    await asyncio.sleep(pause)
            leg.far_end_ended(reason)
        except Exception:
            log.exception("placing call %s failed", leg.uuid)
            leg.far_end_ended("unreachable")

    async def _invite(self, leg: SipLeg, request: OriginateRequest, attempt: Attempt) -> int:
        stack = self.stack
        headers = Headers()
        headers.add("Via", stack.transport.via(attempt.peer.protocol, new_branch()))
        headers.add("Max-Forwards", "70")
        caller = request.from_ if request.from_.startswith("sip:") else f"sip:{request.from_.lstrip('+')}@{stack.settings.domain}"
        display = f'"{request.caller_name}" ' if request.caller_name else ""
        headers.add("From", f"{display}<{caller}>;tag={new_tag()}")
        headers.add("To", f"<{attempt.uri}>")
        headers.add("Call-ID", f"{secrets.token_hex(12)}@{stack.transport.host}")
        headers.add("CSeq", "1 INVITE")
        headers.add("Contact", stack.contact(attempt.peer.protocol))
        headers.add("Allow", stack.ALLOW)
        for name, value in request.sip_headers.items():
            headers.add(f"X-PH-{name}", value)
        for name, value in leg.extra_headers():
            headers.add(name, value)
        headers.add("Content-Type", "application/sdp")
        if isinstance(leg, WebRtcLeg):
            try:
                body = leg.rtp.pc.localDescription.sdp.encode() if leg.rtp.pc.localDescription else await leg.rtp.offer()
            except WebRtcError as exc:
                log.info("call %s: no WebRTC offer: %s", leg.uuid, exc)
                return 503
        else:
            body = stack.local_sdp(leg.rtp, codecs=[sdp.PCMU, sdp.PCMA])
        invite = Request(headers, body, method="INVITE", uri=attempt.uri)
        leg.invite = invite
        stack.pending[invite.call_id] = leg
        leg.client_tx = stack.transactions.request(invite, attempt.peer, leg.response)
        response = await leg.client_tx.done
        if response.status >= 300:
            stack.pending.pop(invite.call_id, None)
        return response.status


async def _peer(host: str, port: int | None, transport: str) -> Peer:
    """A host name or address resolved to the IP the transport sends to."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        address = host.strip("[]")
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port or 5060, type=2)
        address = infos[0][4][0]
    return Peer("TCP" if transport == "tcp" else "UDP", address, port or 5060)
