"""Delivery-receipt correlation, persisted: every segment id a carrier returned is stored with the
message it belongs to, so a receipt that comes days later (or after a restart, or on another bind)
still finds its message; a receipt that arrives *before* its submit response is stored too, and
matched when the response comes. A multi-segment message is delivered once every segment is, and
undelivered on the first segment that fails."""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.clock import Clock
from switchboard.network.connector import DeliveryReceipt
from switchboard.network.models import CarrierSegment

log = logging.getLogger("switchboard.smpp")
CHUNK = 500
UNMATCHED_GRACE = timedelta(seconds=60)
SEGMENTS = CarrierSegment.__table__
SEGMENT_COLUMNS = (CarrierSegment.carrier_id, CarrierSegment.message_id, CarrierSegment.total, CarrierSegment.state,
                   CarrierSegment.error_code)


class Segment(NamedTuple):
    """What the correlation reads of a ``carrier_segments`` row (plain tuples: receipts come in
    thousands per second, and ORM objects cost more than the queries)."""

    carrier_id: str
    message_id: str | None
    total: int
    state: str | None
    error_code: int | None


class ReceiptCorrelation:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], connector: str, clock: Clock,
                 write_lock: Callable[[], Any] = contextlib.nullcontext, ttl_hours: float = 72.0):
        self.sessionmaker = sessionmaker
        self.connector = connector
        self.clock = clock
        self.write_lock = write_lock
        self.ttl = timedelta(hours=ttl_hours)
        self.unknown_receipts = 0
        """Receipts whose id never matched a submit (counted when they expire)."""
        self._lock = asyncio.Lock()
        """A receipt and its submit response race to insert the same id: on one node they take
        turns here; across nodes the loser of the insert retries (see :meth:`_retrying`)."""

    async def _retrying(self, work: Callable[[AsyncSession], Any]) -> list[DeliveryReceipt]:
        for attempt in range(3):
            try:
                async with self._lock, self.write_lock(), self.sessionmaker() as session:
                    done = await work(session)
                    await session.commit()
                    return done
            except IntegrityError:
                if attempt == 2:
                    raise
        return []

    async def _rows(self, session: AsyncSession, ids: Iterable[str]) -> dict[str, Segment]:
        found: dict[str, Segment] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), CHUNK):
            rows = await session.execute(select(*SEGMENT_COLUMNS).where(CarrierSegment.connector == self.connector,
                                                                        CarrierSegment.carrier_id.in_(wanted[start : start + CHUNK])))
            found.update({row.carrier_id: Segment(*row) for row in rows})
        return found

    async def submitted(self, messages: Sequence[Sequence[str]]) -> list[DeliveryReceipt]:
        """Store the segment ids of accepted messages (the first id names the message); returns
        the receipts that are already complete because their receipts came first."""
        if not messages:
            return []
        now = self.clock.now()

        async def work(session: AsyncSession) -> list[DeliveryReceipt]:
            existing = await self._rows(session, (carrier_id for ids in messages for carrier_id in ids))
            early: set[str] = set()
            inserts: dict[str, dict[str, Any]] = {}
            updates: list[dict[str, Any]] = []
            for ids in messages:
                for carrier_id in ids:
                    row = existing.get(carrier_id)
                    if row is None:
                        inserts[carrier_id] = {"connector": self.connector, "carrier_id": carrier_id, "message_id": ids[0],
                                               "total": len(ids), "state": None, "error_code": None, "created": now}
                        continue
                    if row.state is not None:
                        early.add(ids[0])
                    updates.append({"key": carrier_id, "message_id": ids[0], "total": len(ids)})
            await self._write(session, list(inserts.values()), updates)
            return await self._complete(session, early)

        return await self._retrying(work)

    async def received(self, receipts: Sequence[tuple[str, str, int | None]]) -> list[DeliveryReceipt]:
        """Apply final segment receipts ``(carrier_id, state, error_code)``; returns the messages
        they complete. Unknown ids are kept (their submit response may still be on its way)."""
        now = self.clock.now()

        async def work(session: AsyncSession) -> list[DeliveryReceipt]:
            existing = await self._rows(session, (carrier_id for carrier_id, _s, _e in receipts))
            touched: set[str] = set()
            inserts: dict[str, dict[str, Any]] = {}
            updates: dict[str, dict[str, Any]] = {}
            for carrier_id, state, error_code in receipts:
                row = existing.get(carrier_id)
                if row is None:
                    inserts.setdefault(carrier_id, {"connector": self.connector, "carrier_id": carrier_id, "message_id": None,
                                                    "total": 1, "state": state, "error_code": error_code, "created": now})
                    continue
                if row.state is None:  # the first final receipt of a segment counts; repeats change nothing
                    updates.setdefault(carrier_id, {"key": carrier_id, "state": state, "error_code": error_code})
                if row.message_id is not None:
                    touched.add(row.message_id)
            await self._write(session, list(inserts.values()), list(updates.values()))
            return await self._complete(session, touched)

        return await self._retrying(work)

    async def _write(self, session: AsyncSession, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
        """One executemany per kind of change (Core statements: no ORM objects on this hot path).
        ``updates`` rows all set the same columns, besides ``key`` (the carrier id)."""
        connection = await session.connection()
        if inserts:
            await connection.execute(insert(SEGMENTS), inserts)
        if updates:
            columns = [name for name in updates[0] if name != "key"]
            statement = (update(SEGMENTS).where(SEGMENTS.c.connector == self.connector, SEGMENTS.c.carrier_id == bindparam("key"))
                         .values({name: bindparam(f"new_{name}") for name in columns}))
            await connection.execute(statement, [{"key": row["key"], **{f"new_{name}": row[name] for name in columns}} for row in updates])
    async def completed(self, message_ids: Sequence[str]) -> list[DeliveryReceipt]:
        """The final receipts of these messages that are already stored (for a restart)."""
        async with self.sessionmaker() as session:
            return await self._complete(session, set(message_ids))

    async def _complete(self, session: AsyncSession, message_ids: set[str]) -> list[DeliveryReceipt]:
        if not message_ids:
            return []
        siblings: dict[str, list[Segment]] = {}
        wanted = sorted(message_ids)
        for start in range(0, len(wanted), CHUNK):
            rows = await session.execute(select(*SEGMENT_COLUMNS).where(CarrierSegment.connector == self.connector,
                                                                        CarrierSegment.message_id.in_(wanted[start : start + CHUNK])))
            for row in rows:
                siblings.setdefault(row.message_id or "", []).append(Segment(*row))
        done = []
        for message_id, segments in siblings.items():
            failed = next((segment for segment in segments if segment.state == "undelivered"), None)
            if failed is not None:
                done.append(DeliveryReceipt(message_id, "undelivered", failed.error_code))
            elif sum(segment.state == "delivered" for segment in segments) >= segments[0].total:
                done.append(DeliveryReceipt(message_id, "delivered"))
        return done

    async def expire(self) -> int:
        """Forget ids past their time to live, and receipts that never matched a submit."""
        now = self.clock.now()
        async with self.write_lock(), self.sessionmaker() as session:
            unmatched = await session.scalar(select(func.count()).select_from(CarrierSegment).where(
                CarrierSegment.connector == self.connector, CarrierSegment.message_id.is_(None),
                CarrierSegment.created < now - UNMATCHED_GRACE))
            if unmatched:
                log.warning("%s: %d receipts for unknown message ids dropped", self.connector, unmatched)
                self.unknown_receipts += unmatched
                await session.execute(delete(CarrierSegment).where(
                    CarrierSegment.connector == self.connector, CarrierSegment.message_id.is_(None),
                    CarrierSegment.created < now - UNMATCHED_GRACE))
            result = await session.execute(delete(CarrierSegment).where(
                CarrierSegment.connector == self.connector, CarrierSegment.created < now - self.ttl))
            await session.commit()
        return int(unmatched or 0) + int(result.rowcount or 0)
