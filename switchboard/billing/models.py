"""The ledger and coupons.

The ledger is append-only: one row per charge (a negative amount) or credit (a positive one).
An account's balance is the sum of its rows, nothing else. ``idempotency_key`` names what a row
pays for (``call:<uuid>``, ``coupon:<code>``…) and is unique, so a charge retried, or made by two
nodes at once, lands once.
"""

from datetime import datetime
from decimal import Decimal

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Dialect, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from switchboard.core.db import Base

PLACES = 5
CHARGE = "charge"
CREDIT = "credit"


class Money(TypeDecorator[Decimal]):
    """A Decimal amount with 5 decimals, stored as a whole number of 0.00001 units: SQLite has no
    exact decimal type (SQLAlchemy would store floats), and a balance is a SUM that must be exact
    to the last unit on both databases."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        units = Decimal(value).scaleb(PLACES)
        if units != units.to_integral_value():
            raise ValueError(f"{value} has more than {PLACES} decimals")
        return int(units)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(int(value)).scaleb(-PLACES).quantize(Decimal(1).scaleb(-PLACES))


class LedgerEntry(Base):
    __tablename__ = "billing_ledger"
    __table_args__ = (
        CheckConstraint("(kind = 'charge' AND amount <= 0) OR (kind = 'credit' AND amount >= 0)", name="ck_billing_ledger_sign"),
        Index("ix_billing_ledger_account_created", "account_id", "created"),
    )

    entry_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    # The main account whose balance the row moves; never cascaded away (a ledger is kept).
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id"))
    # The subaccount whose usage it was, if any; not a foreign key, so the usage outlives it.
    sub_account_id: Mapped[str | None] = mapped_column(String(20), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(8))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    # What the usage report groups by (None on rows written before they existed, or when the
    # usage has none): the country, the direction, and how much (billed seconds of a call, units
    # of a message, 1 for a month's rental).
    country_iso: Mapped[str | None] = mapped_column(String(2), default=None)
    direction: Mapped[str | None] = mapped_column(String(8), default=None)
    quantity: Mapped[int | None] = mapped_column(Integer, default=None)


class Coupon(Base):
    """A code worth ``amount`` of credit, redeemable once by any main account."""

    __tablename__ = "billing_coupons"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    redeemed_by: Mapped[str | None] = mapped_column(String(20), default=None)
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class AutoRecharge(Base):
    """An account's auto-recharge settings (Plivo's console: recharge ``amount`` when the balance
    drops below ``threshold``); ``accounts.auto_recharge`` says whether it is on."""

    __tablename__ = "billing_auto_recharge"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.auth_id", ondelete="CASCADE"), primary_key=True)
    threshold: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_failure: Mapped[str | None] = mapped_column(String(255), default=None)
