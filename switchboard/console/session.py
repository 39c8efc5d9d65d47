"""Who a console request acts as: the account signed in with its Auth ID and Auth Token."""

import hmac
import time
from typing import Annotated

from fastapi import Depends, Request

from switchboard.accounts.auth import AccountRecord, AuthContext, CredentialCache
from switchboard.console.security import SESSION_SECONDS, token_tag


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


def start_session(request: Request, account: AccountRecord) -> None:
    request.session.clear()
    request.session.update(
        auth_id=account.auth_id, tag=token_tag(request.scope["console_secret"], account.auth_token), since=int(time.time())
    )


def end_session(request: Request) -> None:
    request.session.clear()


async def console_context(request: Request) -> AuthContext:
    """The signed-in account as the API's :class:`AuthContext`, acting on itself only (a main
    account's session sees its subaccounts' resources as the API lets it; a subaccount's only its own)."""
    auth_id = request.session.get("auth_id")
    tag = request.session.get("tag")
    since = request.session.get("since")
    if not isinstance(auth_id, str) or not isinstance(tag, str) or not isinstance(since, int):
        raise SignInRequired()
    cache: CredentialCache = request.app.state.credentials
    account = await cache.get(auth_id) if len(auth_id) == 20 else None
    fresh = time.time() - since < SESSION_SECONDS
    if account is None or not account.enabled or not fresh or not hmac.compare_digest(
        tag, token_tag(request.scope["console_secret"], account.auth_token)
    ):
        end_session(request)
        raise SignInRequired()
    return AuthContext(caller=account, account=account)


Console = Annotated[AuthContext, Depends(console_context)]
