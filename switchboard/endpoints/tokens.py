"""Access tokens for browser phones (Plivo's JWT access tokens).

Two kinds are accepted where a browser logs in (REGISTER) or calls (INVITE), both HS256 JWTs:

- **Issued** by ``POST JWT/Token/`` and signed with the server's access-token key
  (:func:`switchboard.core.server_key.derived_key`, shared by every node): claims ``iss`` (the
  account), ``sub`` (the identity), ``nbf``, ``exp``, ``app`` and the grants under
  ``per.voice.{incoming_allow,outgoing_allow}``, keys sorted, times as JSON numbers, as Plivo
  issues them (the browser SDK refuses a token whose times are strings).
- **Signed locally** by an application with the account's Auth Token, the way Plivo's older SDK
  helpers made them: the grants under ``grants.voice`` instead of ``per.voice``, and a ``jti``.

Every refusal carries Plivo's error code (:class:`JwtError`), which the SIP layer sends in
``X-Plivo-Jwt-Error-Code`` and the browser SDK turns into its ``onLoginFailed`` reason.
"""

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import Account

MAX_VALIDITY = 24 * 60 * 60
"""A token may be valid for at most 24 hours (``exp - nbf``), the default when no ``exp`` is given."""
CLOCK_SKEW = 5
"""Seconds of ``nbf`` in the future tolerated, for nodes whose clocks differ slightly."""
HEADERS = {"cty": "plivo;v=1"}
ALGORITHM = "HS256"


class JwtError(enum.IntEnum):
    """Plivo's access-token error codes (``X-Plivo-Jwt-Error-Code``)."""

    INVALID_ACCESS_TOKEN = 10001
    INVALID_ACCESS_TOKEN_HEADER = 10002
    INVALID_ACCESS_TOKEN_ISSUER = 10003
    INVALID_ACCESS_TOKEN_SUBJECT = 10004
    ACCESS_TOKEN_NOT_VALID_YET = 10005
    ACCESS_TOKEN_EXPIRED = 10006
    INVALID_ACCESS_TOKEN_SIGNATURE = 10007
    INVALID_ACCESS_TOKEN_GRANTS = 10008
    EXPIRATION_EXCEEDS_MAX_ALLOWED_TIME = 10009
    MAX_ALLOWED_LOGIN_REACHED = 10010


class TokenRefused(Exception):
    def __init__(self, code: JwtError, reason: str):
        super().__init__(f"{code.name} ({int(code)}): {reason}")
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class AccessGrant:
    """What a valid token allows."""

    account_id: str
    sub: str
    app_id: str
    incoming: bool
    outgoing: bool
    not_before: int
    expires: int
    signed_locally: bool

    @property
    def sip_username(self) -> str | None:
        """The SIP user the browser SDK registers as, ``<sub>_<iss>`` (None without a ``sub``)."""
        return f"{self.sub}_{self.account_id}" if self.sub else None


def issue(key: bytes, *, iss: str, sub: str, nbf: int, exp: int, incoming: bool, outgoing: bool, app: str) -> str:
    """A token as Plivo issues one: the same claims, sorted, ``per`` grants as booleans."""
    claims = {"app": app, "exp": exp, "iss": iss, "nbf": nbf,
              "per": {"voice": {"incoming_allow": incoming, "outgoing_allow": outgoing}}, "sub": sub}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers=HEADERS, sort_headers=True)


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN, f"not a JWT: {exc}") from None
    if not isinstance(claims, dict):
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN, "the payload is not a JSON object")
    return header, claims


def _grants(claims: dict[str, Any]) -> tuple[bool, bool, bool]:
    """(incoming, outgoing, signed locally) from ``per.voice`` or, in a local token, ``grants.voice``."""
    local = "per" not in claims and "grants" in claims
    holder = claims.get("grants" if local else "per")
    voice = holder.get("voice") if isinstance(holder, dict) else None
    if not isinstance(voice, dict):
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN_GRANTS, "no voice grants (per.voice)")
    incoming, outgoing = voice.get("incoming_allow", False), voice.get("outgoing_allow", False)
    if not isinstance(incoming, bool) or not isinstance(outgoing, bool):
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN_GRANTS, "incoming_allow and outgoing_allow must be booleans")
    if not incoming and not outgoing:
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN_GRANTS, "the token grants neither incoming nor outgoing calls")
    return incoming, outgoing, local


def _times(claims: dict[str, Any], now: int) -> tuple[int, int]:
    nbf, exp = claims.get("nbf"), claims.get("exp")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (nbf, exp)):
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN, "nbf and exp must be numbers (Unix seconds)")
    assert isinstance(nbf, int) and isinstance(exp, int)
    if exp - nbf > MAX_VALIDITY:
        raise TokenRefused(JwtError.EXPIRATION_EXCEEDS_MAX_ALLOWED_TIME, f"valid for {exp - nbf} s, more than {MAX_VALIDITY}")
    if nbf > now + CLOCK_SKEW:
        raise TokenRefused(JwtError.ACCESS_TOKEN_NOT_VALID_YET, f"valid from {nbf}, now is {now}")
    if exp <= now:
        raise TokenRefused(JwtError.ACCESS_TOKEN_EXPIRED, f"expired at {exp}, now is {now}")
    return nbf, exp


async def check(token: str, *, key: bytes, now: int, auth_token_of: Callable[[str], Awaitable[str | None]]) -> AccessGrant:
    """The grant ``token`` carries, or :class:`TokenRefused` with Plivo's code.

    ``auth_token_of(auth_id)`` is the Auth Token of an enabled account, or None."""
    header, claims = _unverified(token)
    if header.get("alg") != ALGORITHM or header.get("typ", "JWT") != "JWT":
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN_HEADER, f"header {header} is not an HS256 JWT")
    iss = claims.get("iss")
    auth_token = await auth_token_of(iss) if isinstance(iss, str) and iss else None
    if auth_token is None:
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN_ISSUER, f"iss {iss!r} is not an account here")
    incoming, outgoing, local = _grants(claims)
    try:
        jwt.decode(token, auth_token if local else key, algorithms=[ALGORITHM],
                   options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
                            "verify_iss": False, "verify_sub": False, "verify_jti": False})
    except jwt.InvalidSignatureError:
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN_SIGNATURE, "the signature does not match") from None
    except jwt.InvalidTokenError as exc:
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN, str(exc)) from None
    nbf, exp = _times(claims, now)
    sub, app = claims.get("sub", ""), claims.get("app", "")
    if not isinstance(sub, str) or (incoming and not sub):
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN_SUBJECT, "the incoming grant needs a sub (the identity to call)")
    if not isinstance(app, str):
        raise TokenRefused(JwtError.INVALID_ACCESS_TOKEN, "app must be a string")
    return AccessGrant(account_id=iss, sub=sub, app_id=app, incoming=incoming, outgoing=outgoing,
                       not_before=nbf, expires=exp, signed_locally=local)


async def check_with_accounts(session: AsyncSession, token: str, *, key: bytes, now: int) -> AccessGrant:
    """:func:`check`, with issuers (and local tokens' Auth Tokens) read from the accounts table."""

    async def auth_token_of(auth_id: str) -> str | None:
        account = await session.get(Account, auth_id)
        return account.auth_token if account is not None and account.enabled else None

    return await check(token, key=key, now=now, auth_token_of=auth_token_of)
