"""HTTP Basic authentication and the account a request acts on.

Rules (as Plivo): a main account's credentials act on the main account and on any of its
subaccounts (``/v1/Account/{SA…}/``); a subaccount's credentials act only inside that
subaccount; a disabled subaccount's credentials are refused. Credentials are cached per node
for a few seconds so that a hot API does not read the accounts table on every request; every
change made through this node invalidates the entry at once, and other nodes see it when the
entry expires.
"""

import base64
import binascii
import hmac
import time
from dataclasses import dataclass, fields
from datetime import datetime

from typing import Annotated

from fastapi import Path, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.accounts import users
from switchboard.accounts.models import Account
from switchboard.accounts.users import UserRecord
from switchboard.core.errors import AuthenticationError, ForbiddenError, TooManyRequestsError
from switchboard.core.throttle import FailureThrottle

_DUMMY_TOKEN = "x" * 40


@dataclass(frozen=True)
class AccountRecord:
    """A read-only snapshot of an :class:`Account` row, safe to keep across sessions."""

    auth_id: str
    auth_token: str
    parent_auth_id: str | None
    name: str
    enabled: bool
    account_type: str
    billing_mode: str
    auto_recharge: bool
    address: str
    city: str
    state: str
    timezone: str
    created: datetime
    modified: datetime | None

    @classmethod
    def of(cls, account: Account) -> "AccountRecord":
        return cls(**{f.name: getattr(account, f.name) for f in fields(cls)})

    @property
    def is_main(self) -> bool:
        return self.parent_auth_id is None

    @property
    def main_auth_id(self) -> str:
        return self.parent_auth_id or self.auth_id


@dataclass(frozen=True)
class AuthContext:
    """Who is calling (``caller``) and which account the path names (``account``)."""

    caller: AccountRecord
    account: AccountRecord

    @property
    def main_auth_id(self) -> str:
        return self.account.main_auth_id

    @property
    def sub_auth_id(self) -> str | None:
        """The subaccount the request acts inside, or None when it acts as the main account."""
        return None if self.account.is_main else self.account.auth_id


class CredentialCache:
    def __init__(self, sessionmaker: async_sessionmaker, ttl: float = 5.0):
        self._sessionmaker = sessionmaker
        self._ttl = ttl
        self._entries: dict[str, tuple[float, AccountRecord]] = {}

    def peek(self, auth_id: str) -> AccountRecord | None:
        """The account if it is cached and fresh, without waiting (None: call :meth:`get`)."""
        entry = self._entries.get(auth_id)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    async def get(self, auth_id: str) -> AccountRecord | None:
        entry = self._entries.get(auth_id)
        now = time.monotonic()
        if entry is not None and entry[0] > now:
            return entry[1]
        async with self._sessionmaker() as session:
            account = await session.get(Account, auth_id)
        if account is None:
            self._entries.pop(auth_id, None)
            return None
        record = AccountRecord.of(account)
        self._entries[auth_id] = (now + self._ttl, record)
        return record

    def invalidate(self, *auth_ids: str) -> None:
        for auth_id in auth_ids:
            self._entries.pop(auth_id, None)


def _basic_credentials(header: str | None) -> tuple[str, str]:
    if not header:
        raise AuthenticationError(
            "authentication required: send HTTP Basic auth with your auth_id and auth_token",
            headers={"WWW-Authenticate": 'Basic realm="switchboard"'},
        )
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise AuthenticationError("only HTTP Basic authentication is supported")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationError("malformed HTTP Basic credentials") from None
    auth_id, sep, token = decoded.partition(":")
    if not sep:
        raise AuthenticationError("malformed HTTP Basic credentials: expected auth_id:auth_token")
    return auth_id, token


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


AuthIdPath = Annotated[
    str, Path(description="The account acted on: your own auth_id, or (main account) one of your subaccounts'.")
]


def _refuse_if_throttled(throttle: FailureThrottle, address: str) -> None:
    wait = throttle.retry_after(address)
    if wait:
        seconds = int(wait) + 1
        raise TooManyRequestsError(
            f"too many failed authentication attempts from {address}; retry in {seconds} seconds",
            headers={"Retry-After": str(seconds)},
        )


async def check_credentials(request: Request, caller_id: str, token: str) -> AccountRecord:
    """The enabled account ``caller_id`` if ``token`` is its auth token, throttled per client
    address: the check behind HTTP Basic auth and the console's sign-in."""
    throttle: FailureThrottle = request.app.state.auth_throttle
    cache: CredentialCache = request.app.state.credentials
    address = client_address(request)
    _refuse_if_throttled(throttle, address)
    caller = await cache.get(caller_id) if len(caller_id) == 20 else None
    expected = caller.auth_token if caller is not None else _DUMMY_TOKEN
    if not hmac.compare_digest(expected.encode(), token.encode()) or caller is None:
        throttle.record_failure(address)
        raise AuthenticationError("authentication failed: wrong auth_id or auth_token")
    if not caller.enabled:
        raise AuthenticationError(f"subaccount {caller.auth_id} is disabled")
    return caller


async def check_console_user(request: Request, session: AsyncSession, email: str, password: str) -> tuple[AccountRecord, UserRecord]:
    """The console user ``email`` and its account if ``password`` is its password, throttled with
    :func:`check_credentials` (the same per-address count): the console's email sign-in."""
    throttle: FailureThrottle = request.app.state.auth_throttle
    address = client_address(request)
    _refuse_if_throttled(throttle, address)
    user = await users.sign_in(session, request.app.state.clock, email, password)
    account = await request.app.state.credentials.get(user.auth_id) if user is not None else None
    if user is None or account is None:
        throttle.record_failure(address)
        raise AuthenticationError("authentication failed: wrong email or password")
    if not account.enabled:
        raise AuthenticationError(f"account {account.auth_id} is disabled")
    return account, user


async def verify_credentials(request: Request) -> AccountRecord:
    """The enabled account whose HTTP Basic credentials the request carries (any route)."""
    throttle: FailureThrottle = request.app.state.auth_throttle
    address = client_address(request)
    _refuse_if_throttled(throttle, address)
    header = request.headers.get("authorization")
    try:
        caller_id, token = _basic_credentials(header)
    except AuthenticationError:
        if header:  # a missing header is a forgetful client, not a guess
            throttle.record_failure(address)
        raise
    return await check_credentials(request, caller_id, token)


async def authenticate(request: Request, auth_id: AuthIdPath) -> AuthContext:
    """FastAPI dependency for every ``/v1/Account/{auth_id}/…`` route."""
    caller = await verify_credentials(request)
    if auth_id == caller.auth_id:
        return AuthContext(caller=caller, account=caller)
    if caller.is_main and len(auth_id) == 20:
        sub = await request.app.state.credentials.get(auth_id)
        if sub is not None and sub.parent_auth_id == caller.auth_id:
            return AuthContext(caller=caller, account=sub)
    raise ForbiddenError(f"the credentials of {caller.auth_id} may not act on account {auth_id}")


async def authenticate_main(request: Request) -> AccountRecord:
    """FastAPI dependency for Switchboard's own routes outside ``/v1/Account/`` (the simulator's
    control API): any main account's credentials."""
    caller = await verify_credentials(request)
    if not caller.is_main:
        raise ForbiddenError(f"{caller.auth_id} is a subaccount; this needs a main account's credentials")
    return caller
