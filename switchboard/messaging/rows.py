"""Messages as the dispatcher and the receipts work on them: plain rows read and written with
Core statements (one select, one executemany update per batch), not ORM objects, whose loading
and unit-of-work flushes cost more than the rest of the SMPP path (docs/benchmarks.md)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.messaging.models import Message

MESSAGES = Message.__table__
CHANGING = ("message_state", "updated_time", "sent_time", "delivery_time", "error_code", "text", "sequence", "attempts",
            "dispatch_at", "connector", "carrier_message_id", "total_amount")
"""The columns the dispatcher and receipts change."""
_WRITE = (update(MESSAGES).where(MESSAGES.c.message_uuid == bindparam("b_uuid"))
          .values({name: bindparam(name) for name in CHANGING}))


class MessageRow:
    """A ``messages`` row as a mutable object with the columns as attributes."""

    __slots__ = tuple(MESSAGES.c.keys())

    def __init__(self, values: Any):
        for name, value in values.items():
            setattr(self, name, value)


def select_rows() -> Select[Any]:
    return select(MESSAGES)


async def load_rows(session: AsyncSession, statement: Select[Any]) -> list[MessageRow]:
    return [MessageRow(row) for row in (await session.execute(statement)).mappings()]


async def store_rows(session: AsyncSession, rows: Sequence[MessageRow]) -> None:
    """Write the changing columns of ``rows`` in the session's transaction."""
    if rows:
        await session.execute(_WRITE, [{"b_uuid": row.message_uuid, **{name: getattr(row, name) for name in CHANGING}}
                                       for row in rows])
