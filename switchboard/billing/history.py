"""The account's payment history (Plivo's console: Payments > History) and its recurring charges
(Payments > Recurring charges), read from the ledger and the rented numbers.

Money is held by the main account, so its history is every ledger row, credits and charges. A
subaccount holds no money: as with ``Usage/``, it sees only its own part, the charges of its
usage; credits and the main account's charges are not shown to it.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import visible
from switchboard.billing.models import CHARGE, CREDIT, PLACES, LedgerEntry
from switchboard.core.pagination import PageParams, fetch_page
from switchboard.numbers.models import RentedNumber

Kind = Literal["credit", "charge"]
ZERO = Decimal(0).quantize(Decimal(1).scaleb(-PLACES))


def _ledger(ctx: AuthContext, kind: Kind | None) -> Select[tuple[LedgerEntry]]:
    statement = select(LedgerEntry).where(LedgerEntry.account_id == ctx.main_auth_id)
    if ctx.sub_auth_id is not None:
        statement = statement.where(LedgerEntry.sub_account_id == ctx.sub_auth_id, LedgerEntry.kind == CHARGE)
    if kind is not None:
        statement = statement.where(LedgerEntry.kind == (CREDIT if kind == "credit" else CHARGE))
    return statement


async def history(session: AsyncSession, ctx: AuthContext, page: PageParams,
                  kind: Kind | None = None) -> tuple[list[LedgerEntry], int]:
    """Ledger rows ``ctx`` may see, newest first; ``kind`` keeps only credits or only charges."""
    statement = _ledger(ctx, kind).order_by(LedgerEntry.created.desc(), LedgerEntry.entry_id.desc())
    return await fetch_page(session, statement, page)


@dataclass(frozen=True)
class Recurring:
    numbers: list[RentedNumber]  # one page, next renewal first
    total: int  # numbers rented
    per_month: Decimal  # what all of them cost a month


def _rented(ctx: AuthContext) -> Select[tuple[RentedNumber]]:
    """Rented numbers: those of the account's own carriers cost nothing and are not listed."""
    return visible(ctx, RentedNumber).where(RentedNumber.carrier_id.is_(None))


async def recurring(session: AsyncSession, ctx: AuthContext, page: PageParams) -> Recurring:
    """The numbers ``ctx`` rents (a subaccount: its own), with their monthly rental rate and next
    renewal date, and the sum of their rates."""
    numbers, total = await fetch_page(session, _rented(ctx).order_by(RentedNumber.renewal_date, RentedNumber.number), page)
    inner = _rented(ctx).subquery()
    per_month = await session.scalar(select(func.sum(inner.c.monthly_rental_rate)))
    return Recurring(numbers, total, Decimal(per_month or 0).quantize(ZERO))
