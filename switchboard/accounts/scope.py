"""Which rows a request may see, for every resource a subaccount can own.

Such tables carry ``account_id`` (the main account, always set) and ``sub_account_id`` (the
subaccount that owns the row, or None for the main account's own). The main account sees every
row under it; a subaccount sees only its own.
"""

from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Mapped

from switchboard.accounts.auth import AuthContext
from switchboard.core.errors import ForbiddenError


class Owned(Protocol):
    account_id: Mapped[str]
    sub_account_id: Mapped[str | None]


O = TypeVar("O", bound=Owned)


def visible(ctx: AuthContext, model: type[O]) -> Select[tuple[O]]:
    statement = select(model).where(model.account_id == ctx.main_auth_id)
    if ctx.sub_auth_id is not None:
        statement = statement.where(model.sub_account_id == ctx.sub_auth_id)
    return statement


def of_subaccount(statement: Select[Any], ctx: AuthContext, model: type[Owned], subaccount: str | None, noun: str) -> Select[Any]:
    """``statement`` narrowed by a list's ``subaccount`` filter; a subaccount may name only itself."""
    if not subaccount:
        return statement
    if ctx.sub_auth_id is not None and subaccount != ctx.sub_auth_id:
        raise ForbiddenError(f"a subaccount cannot list another subaccount's {noun}")
    return statement.where(model.sub_account_id == subaccount)
