"""The registrar (RFC 3261 §10.3): endpoints REGISTER their contacts with digest authentication.

The address-of-record is the To user, which must be the endpoint's username and the digest
username. A REGISTER without credentials, or with a nonce we did not issue, is challenged with
401 in the endpoint's realm (the realm its HA1 was computed for); an old nonce of ours gets
``stale=true``. Wrong credentials and unknown users get 403 (the same answer, so usernames cannot
be probed). ``Contact: *`` with ``Expires: 0`` removes every binding; a contact's expiry is its
``expires`` parameter, else the Expires header, else :data:`DEFAULT_EXPIRES`, capped at
:data:`MAX_EXPIRES`; below :data:`MIN_EXPIRES` it is 423 with ``Min-Expires``.
"""

import logging
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.clock import Clock
from switchboard.endpoints.bindings import live_bindings, update_bindings
from switchboard.endpoints.models import Endpoint
from switchboard.endpoints.service import endpoint_by_username
from switchboard.network.sip import auth
from switchboard.network.sip.address import NameAddr
from switchboard.network.sip.message import Request, Response, response_to
from switchboard.network.sip.transport import Peer

log = logging.getLogger("switchboard.sip")
DEFAULT_EXPIRES, MIN_EXPIRES, MAX_EXPIRES = 3600, 60, 3600


class Registrar:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, nonces: auth.Nonces,
                 default_realm: Callable[[], str]):
        self.sessionmaker, self.clock, self.nonces, self.default_realm = sessionmaker, clock, nonces, default_realm

    async def authenticate(self, session: AsyncSession, request: Request, header: str,
                           challenge_status: int, username_hint: str) -> tuple[Endpoint | None, Response | None]:
        """The endpoint whose digest credentials ``request`` carries in ``header``, or the
        response to send instead (a challenge, or 403)."""
        credentials = auth.parse_credentials(request.headers.get(header) or "")
        username = credentials.get("username") or username_hint
        endpoint = await endpoint_by_username(session, username) if username else None
        realm = endpoint.sip_realm if endpoint is not None else self.default_realm()
        state = self.nonces.check(credentials.get("nonce", "")) if credentials else "invalid"
        if state != "valid":
            name = "WWW-Authenticate" if challenge_status == 401 else "Proxy-Authenticate"
            value = auth.challenge(realm, self.nonces.issue(), stale=state == "stale")
            return None, response_to(request, challenge_status, to_tag=_tag(request), extra=[(name, value)])
        if endpoint is None or credentials.get("realm") != endpoint.sip_realm \
                or not auth.verify(credentials, endpoint.password_ha1, request.method):
            log.info("SIP %s from %s: wrong credentials for %r", request.method, request.headers.get("From"), username)
            return None, response_to(request, 403, "Forbidden (wrong credentials)", to_tag=_tag(request))
        return endpoint, None

    async def register(self, request: Request, peer: Peer) -> Response:
        try:
            aor = NameAddr.parse(request.headers.get("To") or "").sip_uri()
        except ValueError:
            return response_to(request, 400, "Bad To header")
        async with self.sessionmaker() as session:
            endpoint, refusal = await self.authenticate(session, request, "Authorization", 401, aor.user)
            if refusal is not None:
                return refusal
            assert endpoint is not None
            if aor.user != endpoint.username:
                return response_to(request, 403, "Forbidden (To is not the authenticated user)", to_tag=_tag(request))
            parsed = _contacts(request)
            if isinstance(parsed, Response):
                return parsed
            remove_all, changes = parsed
            now = self.clock.now()
            if changes or remove_all:
                live = await update_bindings(session, endpoint, now, changes, remove_all=remove_all,
                                             user_agent=request.headers.get("User-Agent"), call_id=request.call_id,
                                             cseq=request.cseq[0], source=f"{peer.protocol}:{peer.host}:{peer.port}")
            else:
                live = await live_bindings(session, endpoint.endpoint_id, now)
        contacts = [("Contact", f"<{row.contact}>;expires={_seconds_left(row.expires, now)}") for row in live]
        return response_to(request, 200, to_tag=_tag(request), extra=[*contacts, ("Date", _http_date(now))])


def _contacts(request: Request) -> tuple[bool, list[tuple[str, int]]] | Response:
    default = request.headers.get("Expires")
    try:
        default_seconds = int(default) if default is not None else DEFAULT_EXPIRES
    except ValueError:
        return response_to(request, 400, "Bad Expires header")
    values = request.headers.get_all("Contact")
    if any(value.strip() == "*" for value in values):
        if len(values) != 1 or default_seconds != 0:
            return response_to(request, 400, "Contact: * needs Expires: 0 and no other contact")
        return True, []
    changes: list[tuple[str, int]] = []
    for value in values:
        try:
            contact = NameAddr.parse(value)
            contact.sip_uri()
            seconds = int(contact.params.get("expires", default_seconds))
        except ValueError:
            return response_to(request, 400, "Bad Contact header")
        if 0 < seconds < MIN_EXPIRES:
            return response_to(request, 423, extra=[("Min-Expires", str(MIN_EXPIRES))])
        changes.append((contact.uri, min(max(seconds, 0), MAX_EXPIRES)))
    return False, changes


def _tag(request: Request) -> str:
    """A To tag that is stable for the request (retransmissions get the same one)."""
    return f"{abs(hash((request.call_id, request.cseq[0]))) % 10**10:010d}"


def _seconds_left(expires: datetime, now: datetime) -> int:
    """Seconds until ``expires`` (SQLite hands back naive UTC datetimes)."""
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    return max(0, round((expires - now).total_seconds()))


def _http_date(now: Any) -> str:
    return now.strftime("%a, %d %b %Y %H:%M:%S GMT")
