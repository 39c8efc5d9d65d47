"""Console users: an email and a password that sign in to a main account's console.

An account's Auth ID and Auth Token sign in too (that needs nothing here); a console user lets an
operator hand out a personal sign-in without handing out the account's API credentials, and
take it back again (``switchboard user remove``) without changing them.

Passwords are hashed with argon2id (argon2-cffi's parameters, RFC 9106's low-memory choice) and
never stored, logged or printed except once, when Switchboard made them up itself. Hashing takes
a third of a second on purpose, so it runs in a worker thread, off the event loop.
"""

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import EMAIL_LENGTH, Account, ConsoleUser
from switchboard.core.clock import Clock
from switchboard.core.errors import ConflictError, NotFoundError, ValidationError

PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # argon2 takes any length; a bound keeps a sign-in form from being a CPU sink
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class UserRecord:
    """A console user as the sign-in and the session see it (the hash identifies its password)."""

    user_id: int
    email: str
    auth_id: str
    password_hash: str
    created: datetime
    last_sign_in: datetime | None

    @classmethod
    def of(cls, user: ConsoleUser) -> "UserRecord":
        return cls(user.user_id, user.email, user.auth_id, user.password_hash, user.created, user.last_sign_in)


def normalized_email(email: str) -> str:
    """``email`` as it is stored and looked up: trimmed and lower case; ValidationError if it is not one."""
    value = email.strip().lower()
    if not value:
        raise ValidationError("email: give an email address")
    if len(value) > EMAIL_LENGTH or not _EMAIL.match(value):
        raise ValidationError(f"email: {email.strip()!r} is not an email address")
    return value


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise ValidationError(f"password: must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"password: must be at most {PASSWORD_MAX} characters")
    if "\x00" in password:
        raise ValidationError("password: must not contain NUL characters")
    return password


def new_password() -> str:
    """A password Switchboard makes up (24 URL-safe characters, 144 bits)."""
    return secrets.token_urlsafe(18)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, check_password(password))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    """Checked against when the email is unknown, so both failures take as long."""
    return _hasher.hash(new_password())


async def _user(session: AsyncSession, email: str) -> ConsoleUser:
    user = await session.scalar(select(ConsoleUser).where(ConsoleUser.email == normalized_email(email)))
    if user is None:
        raise NotFoundError(f"console user {email.strip().lower()} not found")
    return user


async def add_user(session: AsyncSession, clock: Clock, email: str, auth_id: str, password: str) -> ConsoleUser:
    """A new console user of the main account ``auth_id``."""
    address = normalized_email(email)
    account = await session.get(Account, auth_id)
    if account is None:
        raise NotFoundError(f"account {auth_id} not found")
    if not account.is_main:
        raise ValidationError(f"account: {auth_id} is a subaccount; a console user signs in to a main account "
                              f"(a subaccount signs in with its Auth ID and Auth Token)")
    await ensure_email_free(session, address)
    user = ConsoleUser(email=address, password_hash=await hash_password(password), auth_id=auth_id, created=clock.now())
    session.add(user)
    await session.commit()
    return user


async def ensure_email_free(session: AsyncSession, email: str) -> None:
    address = normalized_email(email)
    if await session.scalar(select(func.count()).select_from(ConsoleUser).where(ConsoleUser.email == address)):
        raise ConflictError(f"email: a console user {address} already exists")


async def list_users(session: AsyncSession, auth_id: str | None = None) -> list[ConsoleUser]:
    """Every console user (of ``auth_id`` only, when given), by email."""
    statement = select(ConsoleUser).order_by(ConsoleUser.email)
    if auth_id is not None:
        statement = statement.where(ConsoleUser.auth_id == auth_id)
    return list((await session.scalars(statement)).all())


async def count_users(session: AsyncSession, auth_id: str) -> int:
    return int(await session.scalar(select(func.count()).select_from(ConsoleUser).where(ConsoleUser.auth_id == auth_id)) or 0)


async def set_password(session: AsyncSession, email: str, password: str) -> ConsoleUser:
    """A new password; the user's console sessions end (they carry the old hash's fingerprint)."""
    user = await _user(session, email)
    user.password_hash = await hash_password(password)
    await session.commit()
    return user


async def remove_user(session: AsyncSession, email: str) -> None:
    """Remove the user; its console sessions end at their next request."""
    await session.delete(await _user(session, email))
    await session.commit()


async def get_user(session: AsyncSession, user_id: int) -> UserRecord | None:
    user = await session.get(ConsoleUser, user_id)
    return UserRecord.of(user) if user is not None else None


async def sign_in(session: AsyncSession, clock: Clock, email: str, password: str) -> UserRecord | None:
    """The user if ``password`` is its password (its last sign-in noted), else None: an unknown
    email and a wrong password cannot be told apart, not even by the time they take."""
    try:
        address = normalized_email(email)
    except ValidationError:
        address = None
    user = await session.scalar(select(ConsoleUser).where(ConsoleUser.email == address)) if address else None
    if len(password) > PASSWORD_MAX:
        return None
    stored = user.password_hash if user is not None else None
    if not await asyncio.to_thread(lambda: _matches(stored or _decoy_hash(), password)) or user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):  # hashed with older parameters: hash it anew
        user.password_hash = await asyncio.to_thread(_hasher.hash, password)
    user.last_sign_in = clock.now()
    await session.commit()
    return UserRecord.of(user)
