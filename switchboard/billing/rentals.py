"""Number rentals: a rented number is charged its ``monthly_rental_rate`` (and its country's setup
fee, if any) when it is rented, then once a month on its ``renewal_date``, which moves on a month.

Periods run monthly from the rental date (Plivo's rule): a number rented on 31 January renews on
28 (29) February, 31 March, 30 April… — each renewal is counted from the rental day, so a short
month does not pull the later ones earlier. One ledger row per number and period, keyed
``rental:<account>:<number>:<period start>``: a restarted renewal, or two nodes renewing at once,
charge it once. Numbers of the account's own carriers (``carrier_id`` set) are not rented and
cost nothing.
"""

import calendar
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.accounts.models import Account
from switchboard.billing.models import CHARGE
from switchboard.billing.service import ledger_insert, ledger_row, money, prepaid_balance
from switchboard.core.clock import Clock
from switchboard.core.errors import ValidationError
from switchboard.numbers.models import RentedNumber

log = logging.getLogger("switchboard.billing")
RENTAL = "rental"
SETUP = "setup"


def add_months(day: date, months: int) -> date:
    """``day`` moved on ``months`` months, on the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_renewal(rented: date, renewal: date) -> date:
    """The renewal after ``renewal`` for a number rented on ``rented`` (counted from that day)."""
    months = (renewal.year - rented.year) * 12 + renewal.month - rented.month
    following = add_months(rented, months + 1)
    return following if following > renewal else add_months(rented, months + 2)


def _rental_row(number: RentedNumber, start: date, when: datetime) -> dict[str, Any]:
    return ledger_row(number.account_id, number.sub_account_id, CHARGE, RENTAL, f"{number.number}:{start.isoformat()}",
                      -number.monthly_rental_rate, when, f"{RENTAL}:{number.account_id}:{number.number}:{start.isoformat()}",
                      country_iso=number.country_iso, quantity=1)


def rent_rows(number: RentedNumber, setup_fee: Decimal, when: datetime) -> list[dict[str, Any]]:
    """The charges of renting ``number`` now: its first month, and the setup fee if there is one."""
    start = number.added_on.date()
    rows = [_rental_row(number, start, when)]
    if setup_fee > 0:
        rows.append(ledger_row(number.account_id, number.sub_account_id, CHARGE, SETUP, f"{number.number}:{start.isoformat()}",
                               -setup_fee, when, f"{SETUP}:{number.account_id}:{number.number}:{start.isoformat()}",
                               country_iso=number.country_iso, quantity=1))
    return rows


async def charge_rental(session: AsyncSession, number: RentedNumber, setup_fee: Decimal, when: datetime) -> None:
    """Charge a number being rented, in the caller's transaction (which saves the number), so the
    number and its first month land together. A prepaid account must be able to pay for it."""
    rows = rent_rows(number, setup_fee, when)
    cost = -sum((row["amount"] for row in rows), Decimal(0))
    available = await prepaid_balance(session, number.account_id)
    if available is not None and available < cost:
        raise ValidationError(f"insufficient credit: renting {number.number} costs {money(cost)} "
                              f"and the balance is {money(available)}")
    await session.execute(ledger_insert(session.bind.dialect.name), rows)


async def _due(session: AsyncSession, now: datetime) -> Sequence[tuple[RentedNumber, str]]:
    """Rented numbers whose renewal date has begun in their account's timezone."""
    horizon = now.date() + timedelta(days=1)  # no timezone is more than a day ahead of UTC
    found = await session.execute(
        select(RentedNumber, Account.timezone).join(Account, Account.auth_id == RentedNumber.account_id)
        .where(RentedNumber.carrier_id.is_(None), RentedNumber.renewal_date <= horizon)
        .order_by(RentedNumber.renewal_date, RentedNumber.number))
    return [(number, zone) for number, zone in found.all() if number.renewal_date <= _local_today(now, zone)]


def _local_today(now: datetime, zone: str) -> date:
    try:
        return now.astimezone(ZoneInfo(zone)).date()
    except (KeyError, ValueError):
        return now.date()


async def renew_due(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Charge every rental period that has begun and move the numbers' renewal dates on; returns
    how many periods were charged here. Each number is one transaction: its charge (skipped if
    another node wrote it) and a renewal-date move that matches only the date it read. A number
    overdue by several months (the server was down) is charged each month, dated now.

    A prepaid account that cannot pay is charged all the same and goes negative, as Plivo debits
    rentals at the start of a month; the number stays rented and the account's calls and messages
    are refused until it is recharged."""
    now = clock.now()
    charged = 0
    async with sessionmaker() as session:
        due = await _due(session, now)
        session.expunge_all()  # plain values from here on: a rollback below must not expire them
        for number, zone in due:
            today = _local_today(now, zone)
            renewal = number.renewal_date
            rented = number.added_on.date()
            while renewal <= today:
                following = next_renewal(rented, renewal)
                result = await session.execute(ledger_insert(session.bind.dialect.name), [_rental_row(number, renewal, now)])
                moved = await session.execute(
                    update(RentedNumber).where(RentedNumber.number == number.number,
                                               RentedNumber.account_id == number.account_id,
                                               RentedNumber.renewal_date == renewal)
                    .values(renewal_date=following).execution_options(synchronize_session=False))
                if not moved.rowcount:  # another node moved it, or it was released: charge nothing here
                    await session.rollback()
                    break
                await session.commit()
                charged += result.rowcount or 0
                renewal = following
    if charged:
        log.info("rentals: %d number-months charged", charged)
    return charged
