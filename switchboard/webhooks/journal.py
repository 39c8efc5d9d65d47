"""Batched database writes for the webhook subsystem.

Everything the subsystem writes goes through one writer task that commits whatever has
accumulated in one transaction (group commit): new notifications (their callers wait for the
commit, so a notification is durable before :meth:`Webhooks.notify` returns), attempt log rows,
and the outcome of deliveries (delete when done, reschedule when retried). Log rows and outcomes
are not waited for; a crash before they are committed means a notification is delivered again,
which at-least-once allows.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.webhooks.models import WebhookAttempt, WebhookNotification

_OUTBOX = WebhookNotification.__table__
_ATTEMPTS = WebhookAttempt.__table__

log = logging.getLogger("switchboard.webhooks")
_MAX_RETRIES = 5


@dataclass
class _Batch:
    notifications: list[dict[str, Any]] = field(default_factory=list)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    reschedules: list[dict[str, Any]] = field(default_factory=list)
    tries: int = 0

    def __bool__(self) -> bool:
        return bool(self.notifications or self.waiters or self.attempts or self.done or self.reschedules)


class Journal:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]):
        self._sessionmaker = sessionmaker
        self._pending = _Batch()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhooks-journal")

    async def stop(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    def _waiter(self) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        self._pending.waiters.append(future)
        self._wake.set()
        return future

    async def insert_notifications(self, rows: list[dict[str, Any]]) -> None:
        """Insert outbox rows; returns once they are committed (raises if they could not be)."""
        if self._closing:
            raise RuntimeError("webhooks are shutting down")
        self._pending.notifications.extend(rows)
        await self._waiter()

    def record_attempt(self, row: dict[str, Any]) -> None:
        self._pending.attempts.append(row)
        self._wake.set()

    def delivered(self, notification_id: str) -> None:
        """The notification is done (delivered or given up): remove it from the outbox."""
        self._pending.done.append(notification_id)
        self._wake.set()

    def reschedule(self, notification_id: str, attempts: int, next_attempt_at: datetime, error: str) -> None:
        """Try again at ``next_attempt_at``, by whichever node claims it then."""
        self._pending.reschedules.append(
            {"b_id": notification_id, "attempts": attempts, "next_attempt_at": next_attempt_at, "last_error": error[:2000]}
        )
        self._wake.set()

    async def flush(self) -> None:
        """Wait until everything handed to the journal so far is committed."""
        if self._task is None or self._task.done():
            return
        await self._waiter()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, _Batch()
            if batch:
                await self._commit(batch)
            if self._closing and not self._pending:
                return

    async def _commit(self, batch: _Batch) -> None:
        try:
            async with self._sessionmaker() as session:
                await self._write(session, batch)
                await session.commit()
        except Exception as exc:  # a database outage must not kill the writer
            batch.tries += 1
            log.warning("webhook journal write failed (try %d): %s", batch.tries, exc)
            for future in batch.waiters:
                if batch.notifications and not future.done():
                    future.set_exception(RuntimeError(f"notification not stored: {exc}"))
            batch.notifications, batch.waiters = [], [w for w in batch.waiters if not w.done()]
            if batch.tries < _MAX_RETRIES:
                self._requeue(batch)
                await asyncio.sleep(0.2 * batch.tries)
            else:
                log.error("webhook journal dropped %d log rows and %d outcomes after %d tries",
                          len(batch.attempts), len(batch.done) + len(batch.reschedules), batch.tries)
                self._release(batch)
            return
        self._release(batch)

    def _requeue(self, batch: _Batch) -> None:
        pending = self._pending
        pending.waiters[:0] = batch.waiters
        pending.attempts[:0] = batch.attempts
        pending.done[:0] = batch.done
        pending.reschedules[:0] = batch.reschedules
        pending.tries = max(pending.tries, batch.tries)
        self._wake.set()

    @staticmethod
    def _release(batch: _Batch) -> None:
        for future in batch.waiters:
            if not future.done():
                future.set_result(None)

    @staticmethod
    async def _write(session: AsyncSession, batch: _Batch) -> None:
        if batch.notifications:
            await session.execute(insert(_OUTBOX), batch.notifications)
        if batch.attempts:
            await session.execute(insert(_ATTEMPTS), batch.attempts)
        if batch.done:
            for start in range(0, len(batch.done), 500):
                chunk = batch.done[start : start + 500]
                await session.execute(delete(_OUTBOX).where(_OUTBOX.c.notification_id.in_(chunk)))
        if batch.reschedules:
            statement = (
                update(_OUTBOX)
                .where(_OUTBOX.c.notification_id == bindparam("b_id"))
                .values(
                    attempts=bindparam("attempts"),
                    next_attempt_at=bindparam("next_attempt_at"),
                    last_error=bindparam("last_error"),
                    lease_owner=None,
                    lease_until=None,
                )
            )
            await session.execute(statement, batch.reschedules)
