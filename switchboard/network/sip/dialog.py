"""SIP dialogs (RFC 3261 §12): the state two user agents share for the length of a call.

A dialog is identified by Call-ID and the two tags. It remembers the remote target (the peer's
Contact), the route set (Record-Route, reversed on the caller's side), both CSeq counters, and
where requests go on the wire. In-dialog requests (BYE, re-INVITE, INFO) are built from it.
"""

import secrets
from dataclasses import dataclass, field

from switchboard.network.sip.address import NameAddr, SipUri
from switchboard.network.sip.message import Headers, Request, Response
from switchboard.network.sip.transaction import new_branch
from switchboard.network.sip.transport import Peer, Transport


def new_tag() -> str:
    return secrets.token_hex(6)


@dataclass
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str  # our From/To header value without tag
    remote_uri: str
    remote_target: str
    peer: Peer
    route_set: list[str] = field(default_factory=list)
    local_cseq: int = 1
    remote_cseq: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.call_id, self.local_tag, self.remote_tag)

    @classmethod
    def as_uas(cls, invite: Request, local_tag: str, peer: Peer) -> "Dialog":
        """Our side of a dialog an incoming INVITE creates."""
        remote = NameAddr.parse(invite.headers.get("From") or "")
        local = NameAddr.parse(invite.headers.get("To") or "")
        contacts = invite.headers.get_all("Contact")
        target = NameAddr.parse(contacts[0]).uri if contacts else remote.uri
        remote.params.pop("tag", None)
        local.params.pop("tag", None)
        return cls(invite.call_id, local_tag, NameAddr.parse(invite.headers.get("From") or "").tag, str(local),
                   str(remote), target, peer, list(invite.headers.get_all("Record-Route")), 1, invite.cseq[0])

    @classmethod
    def as_uac(cls, invite: Request, response: Response, peer: Peer) -> "Dialog":
        """Our side of the dialog a 2xx (or 1xx with a tag) to our INVITE creates."""
        local = NameAddr.parse(invite.headers.get("From") or "")
        remote = NameAddr.parse(response.headers.get("To") or "")
        contacts = response.headers.get_all("Contact")
        target = NameAddr.parse(contacts[0]).uri if contacts else invite.uri
        local_tag, remote_tag = local.tag, remote.tag
        local.params.pop("tag", None)
        remote.params.pop("tag", None)
        routes = list(reversed(response.headers.get_all("Record-Route")))
        return cls(invite.call_id, local_tag, remote_tag, str(local), str(remote), target, peer, routes,
                   invite.cseq[0], 0)

    def request(self, transport: Transport, method: str, body: bytes = b"", content_type: str = "",
                extra: list[tuple[str, str]] | None = None, cseq: int | None = None) -> Request:
        """An in-dialog request; ``cseq`` reuses a number (ACK), otherwise the counter moves on."""
        if cseq is None:
            self.local_cseq += 1
            cseq = self.local_cseq
        headers = Headers()
        headers.add("Via", transport.via(self.peer.protocol, new_branch()))
        uri = self.remote_target
        routes = list(self.route_set)
        if routes and ";lr" not in routes[0]:  # strict router (RFC 3261 §12.2.1.1)
            uri = NameAddr.parse(routes.pop(0)).uri
            routes.append(f"<{self.remote_target}>")
        for route in routes:
            headers.add("Route", route)
        headers.add("Max-Forwards", "70")
        headers.add("From", f"{self.local_uri};tag={self.local_tag}")
        headers.add("To", f"{self.remote_uri};tag={self.remote_tag}" if self.remote_tag else self.remote_uri)
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{cseq} {method}")
        for name, value in extra or []:
            headers.add(name, value)
        if body:
            headers.add("Content-Type", content_type or "application/sdp")
        return Request(headers, body, method=method, uri=uri)

    def next_hop(self, default: Peer) -> Peer:
        """Where in-dialog requests go: the first route, else the remote target, on the dialog's
        transport; a phone behind NAT, or on TCP, stays on the address or connection we heard it
        from (``default``)."""
        first = NameAddr.parse(self.route_set[0]).uri if self.route_set else None
        if first is None and default.protocol != "UDP":
            return default  # the connection the dialog was set up on (the peer may not listen)
        try:
            uri = SipUri.parse(first or self.remote_target)
        except ValueError:
            return default
        if first is None and default.host and uri.host != default.host:
            return default
        protocol = "TCP" if uri.transport == "tcp" else default.protocol
        return Peer(protocol, uri.host, uri.port or 5060)
