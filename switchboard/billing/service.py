"""Credits, charges, coupons and the balance.

A charge is written with :func:`ledger_insert`, inside the transaction that closes what it pays
for (a call record), so the two land together or not at all; its idempotency key makes a retry
or a second node's attempt a no-op.
"""

import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from switchboard.accounts.auth import AccountRecord
from switchboard.accounts.models import Account
from switchboard.billing.models import CHARGE, CREDIT, PLACES, Coupon, LedgerEntry
from switchboard.core.clock import Clock
from switchboard.core.errors import ForbiddenError, NotFoundError, ValidationError

LEDGER = LedgerEntry.__table__
MAX_AMOUNT = Decimal("1000000000")  # one credit or coupon; keeps every sum far inside a 64-bit count of units
BILLING_MODES = ("prepaid", "postpaid")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed
_CODE_LENGTH = 16


def money(value: Decimal) -> str:
    """Plivo's money format: a string with 5 decimals."""
    return f"{value:.{PLACES}f}"


def parse_amount(value: object, what: str = "amount") -> Decimal:
    """A positive amount with at most 5 decimals, below :data:`MAX_AMOUNT`; else a ValidationError
    naming ``what``."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what}: {value!r} is not a number") from None
    if not amount.is_finite():
        raise ValidationError(f"{what}: {value!r} is not a number")
    if amount <= 0:
        raise ValidationError(f"{what}: must be more than 0, not {value}")
    if amount >= MAX_AMOUNT:
        raise ValidationError(f"{what}: must be less than {MAX_AMOUNT}")
    if amount != amount.quantize(Decimal(1).scaleb(-PLACES)):
        raise ValidationError(f"{what}: at most {PLACES} decimals, not {value}")
    return amount


async def main_account(session: AsyncSession, auth_id: str) -> Account:
    """The main account ``auth_id``: money is held by main accounts only."""
    account = await session.get(Account, auth_id)
    if account is None:
        raise NotFoundError(f"account {auth_id} not found")
    if not account.is_main:
        raise ValidationError(f"{auth_id} is a subaccount; credit belongs to its main account {account.parent_auth_id}")
    return account


async def balance(session: AsyncSession, main_auth_id: str) -> Decimal:
    """The sum of the account's ledger."""
    total = await session.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.account_id == main_auth_id))
    return total if total is not None else Decimal(0).quantize(Decimal(1).scaleb(-PLACES))


async def billing_state(session: AsyncSession, account: Account | AccountRecord) -> tuple[str, Decimal]:
    """``billing_mode`` and balance shown on the account object; a subaccount shows its main
    account's, which its usage is charged to."""
    main_auth_id = account.main_auth_id
    mode = account.billing_mode if account.is_main else await session.scalar(
        select(Account.billing_mode).where(Account.auth_id == main_auth_id))
    return mode or "postpaid", await balance(session, main_auth_id)


def ledger_row(account_id: str, sub_account_id: str | None, kind: str, resource_type: str, resource_id: str,
               amount: Decimal, when: datetime, key: str, *, country_iso: str | None = None,
               direction: str | None = None, quantity: int | None = None) -> dict[str, Any]:
    """A ledger row; ``amount`` is signed (charges negative, credits positive). ``country_iso``,
    ``direction`` and ``quantity`` (billed seconds, units, months) feed the usage report."""
    return dict(account_id=account_id, sub_account_id=sub_account_id, kind=kind, resource_type=resource_type,
                resource_id=resource_id, amount=amount, created=when, idempotency_key=key,
                country_iso=country_iso or None, direction=direction, quantity=quantity)


def charge_row(account_id: str, sub_account_id: str | None, resource_type: str, resource_id: str, amount: Decimal,
               when: datetime, *, country_iso: str | None = None, direction: str | None = None,
               quantity: int | None = None) -> dict[str, Any]:
    """The one charge for ``resource_type`` ``resource_id`` (``amount`` ≥ 0, stored negative)."""
    return ledger_row(account_id, sub_account_id, CHARGE, resource_type, resource_id, -amount, when,
                      f"{resource_type}:{resource_id}", country_iso=country_iso, direction=direction,
                      quantity=quantity)


def ledger_insert(dialect: str) -> Insert:
    """An INSERT of ledger rows that skips a row whose idempotency key is already there."""
    if dialect == "postgresql":
        return postgresql.insert(LEDGER).on_conflict_do_nothing(index_elements=["idempotency_key"])
    if dialect == "sqlite":
        return sqlite.insert(LEDGER).on_conflict_do_nothing(index_elements=["idempotency_key"])
    return insert(LEDGER)


async def _append(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Append ``row`` unless its key is taken; True when it was written."""
    result = await session.execute(ledger_insert(session.bind.dialect.name), row)
    return bool(result.rowcount)


async def add_credit(session: AsyncSession, clock: Clock, auth_id: str, amount: Decimal, *,
                     resource_type: str = "recharge") -> Decimal:
    """Credit a main account (the operator's recharge); returns the new balance."""
    amount = parse_amount(amount)
    account = await main_account(session, auth_id)
    payment = str(uuid.uuid4())
    await _append(session, ledger_row(account.auth_id, None, CREDIT, resource_type, payment, amount, clock.now(),
                                      f"{resource_type}:{payment}"))
    await session.commit()
    return await balance(session, account.auth_id)


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def format_code(code: str) -> str:
    """A coupon code as printed: groups of four."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    return "".join(text.split()).replace("-", "").upper()


async def create_coupon(session: AsyncSession, clock: Clock, amount: Decimal) -> Coupon:
    coupon = Coupon(code=_new_code(), amount=parse_amount(amount), created=clock.now())
    session.add(coupon)
    await session.commit()
    return coupon


async def redeem_coupon(session: AsyncSession, clock: Clock, auth_id: str, code: str) -> tuple[Decimal, Decimal]:
    """Credit the coupon ``code`` to main account ``auth_id``, once in the coupon's life; returns
    (amount credited, new balance). The coupon is claimed by a conditional UPDATE, so of two
    redemptions at once exactly one matches; the credit's key backs that up."""
    account = await session.get(Account, auth_id)
    if account is None:
        raise NotFoundError(f"account {auth_id} not found")
    if not account.is_main:
        raise ForbiddenError(f"{auth_id} is a subaccount; coupons are redeemed by the main account {account.parent_auth_id}")
    code = normalise_code(code)
    now = clock.now()
    claimed = await session.execute(
        update(Coupon).where(Coupon.code == code, Coupon.redeemed_by.is_(None))
        .values(redeemed_by=auth_id, redeemed_at=now).returning(Coupon.amount))
    amount = claimed.scalar()
    if amount is None:
        await session.rollback()
        found = await session.get(Coupon, code)
        if found is None:
            raise ValidationError("coupon_code: no such coupon")
        raise ValidationError("coupon_code: this coupon has already been redeemed")
    if not await _append(session, ledger_row(auth_id, None, CREDIT, "coupon", code, amount, now, f"coupon:{code}")):
        await session.rollback()
        raise ValidationError("coupon_code: this coupon has already been redeemed")
    await session.commit()
    return amount, await balance(session, auth_id)


async def prepaid_balance(session: AsyncSession, main_auth_id: str,
                          read: Callable[[AsyncSession, str], Awaitable[Decimal]] = balance) -> Decimal | None:
    """The balance of a prepaid main account (as ``read`` reads it); None for a postpaid one
    (never refused)."""
    mode = await session.scalar(select(Account.billing_mode).where(Account.auth_id == main_auth_id))
    return await read(session, main_auth_id) if mode == "prepaid" else None
