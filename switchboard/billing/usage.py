"""Usage and invoices, derived from the ledger (nothing is stored twice).

A period is a range of whole days in the main account's timezone (``timezone`` on the account
object, UTC unless changed): a day runs from local midnight to local midnight, so a month's
invoice holds what the account's own calendar puts in that month. Each ledger row carries its
country, direction and quantity (billed seconds, units, months); rows written before those
columns existed take them from their call or message record while it lasts.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import Account
from switchboard.billing.models import CHARGE, PLACES, LedgerEntry
from switchboard.billing.service import money
from switchboard.core.errors import ForbiddenError, NotFoundError, ValidationError
from switchboard.messaging.models import Message
from switchboard.voice.models import CallRecord

ZERO = Decimal(0).quantize(Decimal(1).scaleb(-PLACES))
SERVICES = ("calls", "messages", "numbers", "recordings", "streams", "other")
SERVICE_OF = {"call": "calls", "message": "messages", "mms": "messages", "rental": "numbers", "setup": "numbers",
              "transcription": "recordings", "recording_storage": "recordings", "stream": "streams"}
UNIT_OF = {"calls": "minutes", "messages": "units", "numbers": "months", "recordings": "minutes", "streams": "minutes",
           "other": "items"}


def service_of(resource_type: str) -> str:
    return SERVICE_OF.get(resource_type, "other")


@dataclass
class Line:
    """Charges of one service, country and direction (and subaccount)."""

    service: str
    country_iso: str
    direction: str
    count: int = 0
    quantity: int = 0  # billed seconds for calls
    amount: Decimal = ZERO  # positive: what was spent

    def json(self) -> dict[str, Any]:
        quantity = Decimal(self.quantity)
        if self.service == "calls":
            quantity = (quantity / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return {"service": self.service, "country_iso": self.country_iso, "direction": self.direction,
                "count": self.count, "quantity": str(quantity), "unit": UNIT_OF[self.service], "amount": money(self.amount)}


@dataclass
class Usage:
    """What one main account (or one subaccount of it) spent and was credited in a period."""

    account: Account
    start: date
    end: date
    subaccount: str | None = None
    lines: dict[tuple[str | None, str, str, str], Line] = field(default_factory=dict)
    credits: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    def _add(self, sub: str | None, service: str, country: str, direction: str, count: int, quantity: int,
             amount: Decimal) -> None:
        line = self.lines.setdefault((sub, service, country, direction), Line(service, country, direction))
        line.count += count
        line.quantity += quantity
        line.amount += amount

    def merged(self, sub: str | None | bool = False) -> list[Line]:
        """Lines summed over subaccounts (``sub`` False), or one subaccount's (None: the main's own)."""
        out: dict[tuple[str, str, str], Line] = {}
        for (owner, service, country, direction), line in sorted(self.lines.items(), key=lambda item: _order(item[0])):
            if sub is not False and owner != sub:
                continue
            total = out.setdefault((service, country, direction), Line(service, country, direction))
            total.count, total.quantity, total.amount = (total.count + line.count, total.quantity + line.quantity,
                                                         total.amount + line.amount)
        return list(out.values())

    def by_service(self, sub: str | None | bool = False) -> dict[str, Decimal]:
        totals = dict.fromkeys(SERVICES, ZERO)
        for line in self.merged(sub):
            totals[line.service] += line.amount
        return totals

    @property
    def total_charges(self) -> Decimal:
        return sum(self.by_service().values(), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((amount for _, amount in self.credits.values()), ZERO)

    @property
    def subaccounts(self) -> list[str]:
        return sorted({owner for owner, *_ in self.lines if owner is not None})

    def json(self) -> dict[str, Any]:
        return {
            "account": self.account.auth_id,
            "subaccount": self.subaccount,
            "timezone": self.account.timezone,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "total_charges": money(self.total_charges),
            "total_credits": money(self.total_credits),
            "charges": {name: money(value) for name, value in self.by_service().items()},
            "usage": [line.json() for line in self.merged()],
            "credits": [{"type": kind, "count": count, "amount": money(amount)}
                        for kind, (count, amount) in sorted(self.credits.items())],
            "subaccounts": [{"auth_id": sub,
                             "total_charges": money(sum(self.by_service(sub).values(), ZERO)),
                             "charges": {name: money(value) for name, value in self.by_service(sub).items()},
                             "usage": [line.json() for line in self.merged(sub)]}
                            for sub in self.subaccounts],
        }


def _order(key: tuple[str | None, str, str, str]) -> tuple[str, int, str, str]:
    owner, service, country, direction = key
    return owner or "", SERVICES.index(service), country, direction


def aware(value: datetime) -> datetime:
    """A stored timestamp as UTC (SQLite hands them back without their zone)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def zone_of(account: Account) -> ZoneInfo:
    try:
        return ZoneInfo(account.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of ``day`` as a UTC instant."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def parse_day(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip()) if len(value.strip()) == 10 else _bad_day(value, name)
    except ValueError:
        return _bad_day(value, name)


def _bad_day(value: str, name: str) -> date:
    raise ValidationError(f"{name}: {value!r} is not a date in the form YYYY-MM-DD")


async def reading_account(session: AsyncSession, auth_id: str) -> Account:
    account = await session.get(Account, auth_id)
    if account is None:
        raise NotFoundError(f"account {auth_id} not found")
    return account


async def main_of(session: AsyncSession, account: Account) -> Account:
    if account.is_main:
        return account
    return await reading_account(session, account.main_auth_id)


def today(account: Account, now: datetime) -> date:
    return now.astimezone(zone_of(account)).date()


def period(account: Account, now: datetime, start_text: str | None, end_text: str | None) -> tuple[date, date]:
    """The period a Usage/ request asks for: ``start_date`` (required) to ``end_date`` (default:
    today in the account's timezone), both included."""
    start, end = parse_day(start_text, "start_date"), parse_day(end_text, "end_date")
    if start is None:
        raise ValidationError("start_date: required, a date in the form YYYY-MM-DD")
    end = end or today(account, now)
    if end < start:
        raise ValidationError(f"end_date: {end.isoformat()} is before start_date {start.isoformat()}")
    return start, end


async def usage(session: AsyncSession, main: Account, start: date, end: date, subaccount: str | None = None) -> Usage:
    """Charges and credits of ``main`` (or only of its ``subaccount``) from ``start`` to ``end``
    (both included, in the account's timezone)."""
    zone = zone_of(main)
    low, high = day_start(start, zone), day_start(end + timedelta(days=1), zone)
    ledger, calls, messages = LedgerEntry, CallRecord, Message
    rows = (
        select(ledger.kind, ledger.resource_type, ledger.sub_account_id,
               func.coalesce(ledger.country_iso, messages.destination_country_iso2).label("country"),
               func.coalesce(ledger.direction, calls.direction, messages.message_direction).label("direction"),
               func.coalesce(ledger.quantity, calls.billed_duration, messages.units).label("quantity"),
               ledger.amount)
        .select_from(ledger)
        .outerjoin(calls, and_(ledger.resource_type == "call", ledger.quantity.is_(None), calls.call_uuid == ledger.resource_id))
        .outerjoin(messages, and_(ledger.resource_type == "message", ledger.quantity.is_(None),
                                  messages.message_uuid == ledger.resource_id))
        .where(ledger.account_id == main.auth_id, ledger.created >= low, ledger.created < high)
    )
    if subaccount is not None:
        rows = rows.where(ledger.sub_account_id == subaccount)
    inner = rows.subquery()
    columns = (inner.c.kind, inner.c.resource_type, inner.c.sub_account_id, inner.c.country, inner.c.direction)
    statement = select(*columns, func.count(), func.sum(inner.c.quantity), func.sum(inner.c.amount)).group_by(*columns)
    report = Usage(main, start, end, subaccount)
    for kind, resource_type, sub, where, way, count, amount_of, total in (await session.execute(statement)).all():
        total = total if total is not None else ZERO
        if kind == CHARGE:
            service = service_of(resource_type)
            units = int(amount_of) if amount_of is not None else int(count)  # a row without a quantity is one of it
            report._add(sub, service, where or "", way or "", int(count), units, -total)
        else:
            seen, before = report.credits.get(resource_type, (0, ZERO))
            report.credits[resource_type] = (seen + int(count), before + total)
    return report


async def balance_before(session: AsyncSession, main: Account, instant: datetime) -> Decimal:
    total = await session.scalar(select(func.sum(LedgerEntry.amount))
                                 .where(LedgerEntry.account_id == main.auth_id, LedgerEntry.created < instant))
    return total if total is not None else ZERO


# --- invoices ------------------------------------------------------------------------------------


@dataclass
class Invoice:
    usage: Usage
    month: str
    opening_balance: Decimal
    closing_balance: Decimal

    def json(self) -> dict[str, Any]:
        main = self.usage.account.auth_id
        return {
            "invoice_id": f"{main}-{self.month}",
            "month": self.month,
            "opening_balance": money(self.opening_balance),
            "closing_balance": money(self.closing_balance),
            **self.usage.json(),
            "resource_uri": f"/v1/Account/{main}/Invoice/{self.month}/",
        }


def parse_month(text: str) -> date:
    """The first day of the month ``YYYY-MM``."""
    value = text.strip()
    if len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit() and 1 <= int(value[5:]) <= 12:
        year = int(value[:4])
        if year >= 1970:
            return date(year, int(value[5:]), 1)
    raise ValidationError(f"month: {text!r} is not a month in the form YYYY-MM")


def month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def closed_months(main: Account, now: datetime) -> list[date]:
    """First days of the account's closed months, newest first: from the month it was created
    to the month before the current one (in its timezone)."""
    zone = zone_of(main)
    first = aware(main.created).astimezone(zone).date().replace(day=1)
    current = now.astimezone(zone).date().replace(day=1)
    months = []
    month = first
    while month < current:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months[::-1]


def invoice_owner(account: Account) -> Account:
    if not account.is_main:
        raise ForbiddenError(f"{account.auth_id} is a subaccount; invoices belong to its main account {account.parent_auth_id}")
    return account


async def invoice(session: AsyncSession, main: Account, first: date, now: datetime) -> Invoice:
    if first not in closed_months(main, now):
        created = aware(main.created).astimezone(zone_of(main)).date().replace(day=1)
        if first < created:
            raise NotFoundError(f"no invoice for {first:%Y-%m}: the account was created in {created:%Y-%m}")
        raise ValidationError(f"month: {first:%Y-%m} is not closed yet; Usage/ reports the current month")
    zone = zone_of(main)
    report = await usage(session, main, first, month_end(first))
    opening = await balance_before(session, main, day_start(first, zone))
    closing = await balance_before(session, main, day_start(month_end(first) + timedelta(days=1), zone))
    return Invoice(report, f"{first:%Y-%m}", opening, closing)
