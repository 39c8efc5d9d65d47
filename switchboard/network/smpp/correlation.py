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
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.clock import Clock
from switchboard.network.connector import DeliveryReceipt
from switchboard.network.models import CarrierSegment

log = logging.getLogger("switchboard.smpp")
CHUNK = 500
UNMATCHED_GRACE = timedelta(seconds=60)


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

    async def _rows(self, session: AsyncSession, ids: Iterable[str]) -> dict[str, CarrierSegment]:
        found: dict[str, CarrierSegment] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = await session.scalars(select(CarrierSegment).where(CarrierSegment.connector == self.connector,
                                                                      CarrierSegment.carrier_id.in_(chunk)))
            found.update({row.carrier_id: row for row in rows})
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
            for ids in messages:
                for carrier_id in ids:
                    row = existing.get(carrier_id)
                    if row is None:
                        row = CarrierSegment(connector=self.connector, carrier_id=carrier_id, created=now)
                        session.add(row)
                        existing[carrier_id] = row
                    elif row.state is not None:
                        early.add(ids[0])
                    row.message_id, row.total = ids[0], len(ids)
            await session.flush()
            return await self._complete(session, early)

        return await self._retrying(work)

    async def received(self, receipts: Sequence[tuple[str, str, int | None]]) -> list[DeliveryReceipt]:
        """Apply final segment receipts ``(carrier_id, state, error_code)``; returns the messages
        they complete. Unknown ids are kept (their submit response may still be on its way)."""
        now = self.clock.now()

        async def work(session: AsyncSession) -> list[DeliveryReceipt]:
            existing = await self._rows(session, (carrier_id for carrier_id, _s, _e in receipts))
            touched: set[str] = set()
            for carrier_id, state, error_code in receipts:
                row = existing.get(carrier_id)
                if row is None:
                    row = CarrierSegment(connector=self.connector, carrier_id=carrier_id, created=now)
                    session.add(row)
                    existing[carrier_id] = row
                if row.state is None:
                    row.state, row.error_code = state, error_code
                if row.message_id is not None:
                    touched.add(row.message_id)
            await session.flush()
            return await self._complete(session, touched)

        return await self._retrying(work)

    async def completed(self, message_ids: Sequence[str]) -> list[DeliveryReceipt]:
        """The final receipts of these messages that are already stored (for a restart)."""
        async with self.sessionmaker() as session:
            return await self._complete(session, set(message_ids))

    async def _complete(self, session: AsyncSession, message_ids: set[str]) -> list[DeliveryReceipt]:
        if not message_ids:
            return []
        siblings: dict[str, list[CarrierSegment]] = {}
        wanted = sorted(message_ids)
        for start in range(0, len(wanted), CHUNK):
            rows = await session.scalars(select(CarrierSegment).where(CarrierSegment.connector == self.connector,
                                                                      CarrierSegment.message_id.in_(wanted[start : start + CHUNK])))
            for row in rows:
                siblings.setdefault(row.message_id or "", []).append(row)
        done = []
        for message_id, rows in siblings.items():
            failed = next((row for row in rows if row.state == "undelivered"), None)
            if failed is not None:
                done.append(DeliveryReceipt(message_id, "undelivered", failed.error_code))
            elif sum(row.state == "delivered" for row in rows) >= rows[0].total:
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
