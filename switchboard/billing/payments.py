"""Card payments and auto-recharge.

Switchboard has **no built-in card provider**: :class:`PaymentProvider` is where a real one
(a card processor's API) plugs in. Name a factory that returns one with the server setting
``payment_provider = "package.module:factory"`` (``--payment-provider``); it is called once at
start-up with the server's settings. Without one, auto-recharge settings are stored and shown
but nothing is charged (each attempt records why).

Auto-recharge, as Plivo's console has it: when a main account's balance is below ``threshold``
(25 by default), ``amount`` (25, 50, 100, 250, 500 or 1000) is charged to its card and credited;
a failed payment is tried again the next time the balance is seen below the threshold. The
billing upkeep looks once a tick (see ``billing/upkeep.py``), not on every charge, so the hot
paths never wait for a payment.
"""

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.accounts.models import Account
from switchboard.billing.models import CREDIT, AutoRecharge, LedgerEntry
from switchboard.billing.service import balance, ledger_insert, ledger_row, main_account
from switchboard.core.clock import Clock
from switchboard.core.errors import ForbiddenError, ValidationError

log = logging.getLogger("switchboard.billing")
AUTO_RECHARGE = "auto_recharge"
RECHARGE_AMOUNTS = tuple(Decimal(value) for value in ("25", "50", "100", "250", "500", "1000"))
DEFAULT_THRESHOLD = Decimal("25")


class PaymentFailed(Exception):
    """The provider refused or could not take the payment; the message says why."""


@dataclass(frozen=True)
class Payment:
    payment_id: str  # the provider's reference, kept on the ledger row
    amount: Decimal


@runtime_checkable
class PaymentProvider(Protocol):
    """Takes money from an account holder's card. ``key`` is the same for every attempt that must
    be one payment (two nodes recharging the same account at once pass the same key): a provider
    must charge a key once and answer a repeated key with the first payment."""

    async def charge(self, account_id: str, amount: Decimal, key: str) -> Payment: ...


def load_provider(spec: str | None, settings: Any) -> PaymentProvider | None:
    """The provider a ``module:factory`` setting names (None: no provider)."""
    if not spec:
        return None
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise ValueError(f"payment_provider: {spec!r} is not module:factory")
    provider = getattr(importlib.import_module(module_name), attribute)(settings)
    if not isinstance(provider, PaymentProvider):
        raise ValueError(f"payment_provider: {spec} did not return a PaymentProvider")
    return provider


@dataclass(frozen=True)
class RechargeSettings:
    enabled: bool
    threshold: Decimal
    amount: Decimal
    last_failure: str | None


async def settings_of(session: AsyncSession, account: Account) -> RechargeSettings:
    row = await session.get(AutoRecharge, account.auth_id)
    if row is None:
        return RechargeSettings(account.auto_recharge, DEFAULT_THRESHOLD, RECHARGE_AMOUNTS[0], None)
    return RechargeSettings(account.auto_recharge, row.threshold, row.amount, row.last_failure)


async def configure(session: AsyncSession, clock: Clock, auth_id: str, enabled: bool | None,
                    threshold: Decimal | None, amount: Decimal | None) -> RechargeSettings:
    try:
        account = await main_account(session, auth_id)
    except ValidationError as refused:
        raise ForbiddenError(refused.message) from None
    if amount is not None and amount not in RECHARGE_AMOUNTS:
        raise ValidationError(f"amount: one of {', '.join(str(value) for value in RECHARGE_AMOUNTS)}, not {amount}")
    row = await session.get(AutoRecharge, auth_id)
    if row is None:
        row = AutoRecharge(account_id=auth_id, threshold=DEFAULT_THRESHOLD, amount=RECHARGE_AMOUNTS[0], updated=clock.now())
        session.add(row)
    row.threshold = threshold if threshold is not None else row.threshold
    row.amount = amount if amount is not None else row.amount
    row.updated = clock.now()
    if enabled is not None:
        account.auto_recharge = enabled
        row.last_failure = None
    await session.commit()
    return await settings_of(session, account)


def settings_json(settings: RechargeSettings, provider: PaymentProvider | None) -> dict[str, Any]:
    return {"auto_recharge": settings.enabled, "threshold": f"{settings.threshold:.5f}",
            "amount": f"{settings.amount:.5f}", "payment_provider": provider is not None,
            "last_failure": settings.last_failure}


async def _recharge(session: AsyncSession, provider: PaymentProvider | None, account: Account, settings: AutoRecharge,
                    now: datetime) -> bool:
    done = await session.scalar(select(func.count()).where(LedgerEntry.account_id == account.auth_id,
                                                           LedgerEntry.resource_type == AUTO_RECHARGE))
    key = f"{AUTO_RECHARGE}:{account.auth_id}:{int(done or 0) + 1}"
    failure = None
    if provider is None:
        failure = "no payment provider is configured"
    else:
        try:
            payment = await provider.charge(account.auth_id, settings.amount, key)
        except PaymentFailed as refused:
            failure = str(refused) or "the payment was refused"
        else:
            await session.execute(ledger_insert(session.bind.dialect.name), [ledger_row(
                account.auth_id, None, CREDIT, AUTO_RECHARGE, payment.payment_id[:64], payment.amount, now, key)])
    await session.execute(update(AutoRecharge).where(AutoRecharge.account_id == account.auth_id)
                          .values(last_failure=failure and failure[:255]))
    await session.commit()
    if failure:
        log.warning("auto-recharge of %s failed: %s", account.auth_id, failure)
    return failure is None


async def recharge_due(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
                       provider: PaymentProvider | None) -> int:
    """Recharge every account with auto-recharge on whose balance is below its threshold;
    returns how many were recharged."""
    recharged = 0
    async with sessionmaker() as session:
        found = (await session.execute(select(Account, AutoRecharge).join(AutoRecharge, AutoRecharge.account_id == Account.auth_id)
                                       .where(Account.auto_recharge.is_(True), Account.parent_auth_id.is_(None)))).all()
        for account, settings in found:
            if await balance(session, account.auth_id) < settings.threshold:
                recharged += await _recharge(session, provider, account, settings, clock.now())
    return recharged
