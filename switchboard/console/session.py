"""Who a console request acts as: the account signed in with its Auth ID and Auth Token, or the
main account of the console user signed in with an email and a password.

The session cookie keeps a keyed fingerprint of what was checked at sign-in (the Auth Token, or
the user's password hash), never the secret itself, and every request compares it again: a new
Auth Token, a new password, a removed user or a disabled subaccount ends the session.
"""

import hmac
import time
from typing import Annotated

from fastapi import Depends, Request

from switchboard.accounts import users
from switchboard.accounts.auth import AccountRecord, AuthContext, CredentialCache
from switchboard.accounts.users import UserRecord
from switchboard.console.security import SESSION_SECONDS, token_tag
from switchboard.core.http import Session


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


def _start(request: Request, tag_of: str, **who: str | int) -> None:
    request.session.clear()
    request.session.update(who, tag=token_tag(request.scope["console_secret"], tag_of), since=int(time.time()))


def start_session(request: Request, account: AccountRecord) -> None:
    """Signed in with the account's Auth ID and Auth Token."""
    _start(request, account.auth_token, auth_id=account.auth_id)


def start_user_session(request: Request, user: UserRecord) -> None:
    """Signed in as a console user (email and password)."""
    _start(request, user.password_hash, user=user.user_id)


def end_session(request: Request) -> None:
    request.session.clear()


def _same(request: Request, tag: str, secret_of: str) -> bool:
    return hmac.compare_digest(tag, token_tag(request.scope["console_secret"], secret_of))


async def _account(request: Request, session: Session, tag: str) -> AccountRecord | None:
    """The session's account if what it was signed in with still holds, else None."""
    cache: CredentialCache = request.app.state.credentials
    user_id = request.session.get("user")
    if isinstance(user_id, int):
        user = await users.get_user(session, user_id)
        if user is None or not _same(request, tag, user.password_hash):
            return None
        request.state.console_email = user.email
        return await cache.get(user.auth_id)
    auth_id = request.session.get("auth_id")
    if not isinstance(auth_id, str) or len(auth_id) != 20:
        return None
    account = await cache.get(auth_id)
    return account if account is not None and _same(request, tag, account.auth_token) else None


async def console_context(request: Request, session: Session) -> AuthContext:
    """The signed-in account as the API's :class:`AuthContext`, acting on itself only (a main
    account's session sees its subaccounts' resources as the API lets it; a subaccount's only its own)."""
    tag = request.session.get("tag")
    since = request.session.get("since")
    if not isinstance(tag, str) or not isinstance(since, int) or time.time() - since >= SESSION_SECONDS:
        end_session(request)
        raise SignInRequired()
    account = await _account(request, session, tag)
    if account is None or not account.enabled:
        end_session(request)
        raise SignInRequired()
    return AuthContext(caller=account, account=account)


Console = Annotated[AuthContext, Depends(console_context)]
