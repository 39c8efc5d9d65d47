"""The overview's chart: calls and messages per day over the last days, and its SVG geometry.

Counted by the database in UTC days (a grouped query per table on the ``(account_id, time)``
indexes) and drawn on the server as SVG, no charting script. A day that has ended does not change
(a call is logged when it ends, a message when it is made), so its counts are kept in memory once
counted: a page counts today's rows only, and the days not counted yet by this process (a big
account's first chart of the day costs a few hundred milliseconds, the next ones a few)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from switchboard.accounts.auth import AuthContext
from switchboard.messaging.models import Message
from switchboard.voice.models import CallRecord

DAYS = 14
WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 700, 220, 16, 28, 40


@dataclass(frozen=True)
class Day:
    day: date
    calls: int
    messages: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    kind: str
    label: str


@dataclass(frozen=True)
class Chart:
    days: list[Day]
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # y, value
    labels: list[tuple[float, str]]  # x, day
    width: int = WIDTH
    height: int = HEIGHT


def _day_of(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    if session.bind.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


async def _counts(session: AsyncSession, ctx: AuthContext, model: Any, column: Any, since: datetime,
                  until: datetime | None) -> dict[str, int]:
    day = _day_of(session, column)
    statement = select(day, func.count()).where(model.account_id == ctx.main_auth_id, column >= since)
    if until is not None:
        statement = statement.where(column < until)
    if ctx.sub_auth_id is not None:
        statement = statement.where(model.sub_account_id == ctx.sub_auth_id)
    rows = (await session.execute(statement.group_by(day))).all()
    return {str(found): int(count) for found, count in rows}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


async def _days(session: AsyncSession, ctx: AuthContext, first: date, end: date | None) -> dict[date, Day]:
    """The counts of the days from ``first`` up to ``end`` (excluded; None: up to now)."""
    until = _midnight(end) if end is not None else None
    calls = await _counts(session, ctx, CallRecord, CallRecord.end_time, _midnight(first), until)
    messages = await _counts(session, ctx, Message, Message.message_time, _midnight(first), until)
    last = end or first + timedelta(days=1)
    wanted = [first + timedelta(days=offset) for offset in range((last - first).days)]
    return {day: Day(day, calls.get(day.isoformat(), 0), messages.get(day.isoformat(), 0)) for day in wanted}


_CLOSED: dict[tuple[str, str, date], Day] = {}
_CLOSED_LIMIT = 100_000


async def daily_activity(session: AsyncSession, ctx: AuthContext, now: datetime, days: int = DAYS) -> list[Day]:
    """Calls (by end time: finished calls) and messages (by message time) per UTC day, oldest first."""
    today = now.astimezone(timezone.utc).date()
    first = today - timedelta(days=days - 1)
    owner = (ctx.main_auth_id, ctx.sub_auth_id or "")
    missing = [first + timedelta(days=offset) for offset in range(days - 1)
               if (*owner, first + timedelta(days=offset)) not in _CLOSED]
    if missing:
        if len(_CLOSED) > _CLOSED_LIMIT:
            _CLOSED.clear()
        for day, counted in (await _days(session, ctx, missing[0], today)).items():
            _CLOSED[(*owner, day)] = counted
    current = (await _days(session, ctx, today, None))[today]
    return [_CLOSED[(*owner, first + timedelta(days=offset))] for offset in range(days - 1)] + [current]


def _nice(peak: int) -> int:
    """A round top for the axis, at least ``peak``."""
    step = 1
    while step * 10 < peak:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= peak:
            return max(step * factor, 1)
    return peak


def chart(days: list[Day]) -> Chart:
    top = _nice(max([day.calls for day in days] + [day.messages for day in days] + [1]))
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / len(days)
    bar = slot * 0.36
    bars, labels = [], []
    for index, day in enumerate(days):
        x = LEFT + index * slot + slot * 0.14
        for offset, kind, count in ((0, "calls", day.calls), (bar, "messages", day.messages)):
            height = plot * count / top
            bars.append(Bar(round(x + offset, 1), round(TOP + plot - height, 1), round(height, 1), kind,
                            f"{day.day.isoformat()}: {count} {kind}"))
        if index % 2 == 0 or len(days) <= 7:
            labels.append((round(LEFT + index * slot + slot / 2, 1), day.day.strftime("%b %d")))
    ticks = [(round(TOP + plot - plot * value / top, 1), value) for value in sorted({top * part // 4 for part in range(5)})]
    return Chart(days, bars, ticks, labels)
