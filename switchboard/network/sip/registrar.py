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
from switchboard.endpoints.tokens import AccessGrant, JwtError, TokenRefused, check_with_accounts
from switchboard.network.sip import auth
from switchboard.network.sip.address import NameAddr
from switchboard.network.sip.message import Request, Response, response_to
from switchboard.network.sip.transport import Peer

log = logging.getLogger("switchboard.sip")
DEFAULT_EXPIRES, MIN_EXPIRES, MAX_EXPIRES = 3600, 60, 3600
TOKEN_HEADER, TOKEN_ERROR_HEADER = "X-Plivo-Jwt", "X-Plivo-Jwt-Error-Code"


class Registrar:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, nonces: auth.Nonces,
                 default_realm: Callable[[], str], token_key: bytes = b""):
        self.sessionmaker, self.clock, self.nonces, self.default_realm = sessionmaker, clock, nonces, default_realm
        self.token_key = token_key

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
        token = request.headers.get(TOKEN_HEADER)
        async with self.sessionmaker() as session:
            if token:
                login = await token_login(session, request, token, aor.user, self.token_key, self.clock, "register")
                if isinstance(login, Response):
                    return login
                grant, endpoint = login
                if endpoint is None or not grant.incoming:
                    # outgoing only, or an identity that is no endpoint: nothing to ring, nothing to bind
                    return response_to(request, 200, to_tag=_tag(request), extra=[
                        *[("Contact", value) for value in request.headers.get_all("Contact")],
                        (TOKEN_HEADER, f"exp={grant.expires}"), ("Date", _http_date(self.clock.now()))])
                aor_user = endpoint.username
            else:
                endpoint, refusal = await self.authenticate(session, request, "Authorization", 401, aor.user)
                if refusal is not None:
                    return refusal
                aor_user = aor.user
            assert endpoint is not None
            if aor_user != endpoint.username:
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
        expiry = [(TOKEN_HEADER, f"exp={grant.expires}")] if token else []
        return response_to(request, 200, to_tag=_tag(request), extra=[*contacts, *expiry, ("Date", _http_date(now))])


async def token_login(session: AsyncSession, request: Request, token: str, user: str, key: bytes, clock: Clock,
                      purpose: str) -> tuple[AccessGrant, Endpoint | None] | Response:
    """Check a browser's access token (``X-Plivo-Jwt``) for ``purpose`` ("register" or "call").

    The SIP user must be the token's ``<sub>_<iss>`` (``puser…jt_<iss>`` without a ``sub``). The
    endpoint is the one of the issuing account whose username is ``sub`` (None when there is
    none: a token with the incoming grant then needs one). A refusal is a 403 whose
    ``X-Plivo-Jwt-Error-Code`` the browser SDK turns into its login-failure reason."""
    def refuse(code: JwtError, reason: str) -> Response:
        log.info("SIP %s from %r: access token refused: %s (%s)", request.method, user, code.name, reason)
        return response_to(request, 403, f"Forbidden ({code.name})", to_tag=_tag(request),
                           extra=[(TOKEN_ERROR_HEADER, str(int(code)))])

    try:
        grant = await check_with_accounts(session, token, key=key, now=int(clock.now().timestamp()))
    except TokenRefused as refused:
        return refuse(refused.code, refused.reason)
    expected = grant.sip_username
    if (expected is not None and user != expected) or (expected is None and not user.endswith(f"jt_{grant.account_id}")):
        return refuse(JwtError.INVALID_ACCESS_TOKEN_SUBJECT, f"SIP user {user!r} is not the token's {expected!r}")
    if purpose == "call" and not grant.outgoing:
        return refuse(JwtError.INVALID_ACCESS_TOKEN_GRANTS, "the token has no outgoing grant")
    endpoint = await endpoint_by_username(session, grant.sub) if grant.sub else None
    if endpoint is not None and grant.account_id not in (endpoint.account_id, endpoint.sub_account_id):
        endpoint = None
    if endpoint is None and grant.incoming and purpose == "register":
        return refuse(JwtError.INVALID_ACCESS_TOKEN_SUBJECT, f"sub {grant.sub!r} is not an endpoint of {grant.account_id}")
    return grant, endpoint


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
