"""Delivering event notifications from the outbox: per-host queues, claiming, leases.

A notification is a row of ``webhook_notifications``. The node that stored it holds a *lease* on
it (``lease_owner`` = this node, ``lease_until`` a few seconds ahead, renewed while the node
lives) and delivers it from memory at once. A row whose lease ran out — its node crashed, or it
was rescheduled for a retry — is claimed by the poller of any node once it is due. On SQLite there
is only ever one node, so at start-up every lease is taken over at once.

Isolation: each *unit* — a destination ``host:port`` and the account that owns the notification
(``urls.delivery_unit``) — has its own queue and at most ``host_limit`` deliveries in flight; a
slow endpoint only fills its own account's slots on its host, and other hosts' and other
accounts' notifications go on. All accounts together have at most ``host_total_limit`` deliveries
in flight to one host; units waiting for that bound take the freed slots in turn. What a node
holds in memory is bounded per unit (``host_backlog``) and in all (``max_backlog``); beyond that,
rows wait in the database, and the poller claims only rows of units that have room (the ``host``
column), so a flood for one stuck endpoint never keeps another unit's rows in the database. A
unit with fewer than ``host_limit`` notifications in memory always has room, even on a full node.
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.clock import Clock
from switchboard.webhooks.models import WebhookNotification
from switchboard.webhooks.urls import delivery_unit, unit_host

log = logging.getLogger("switchboard.webhooks")
_JOB_COLUMNS = [WebhookNotification.__table__.c[name] for name in
                ("notification_id", "account_id", "owner_auth_id", "event", "url", "method", "params", "attempts")]


@dataclass
class Job:
    notification_id: str
    account_id: str
    owner_auth_id: str
    event: str
    url: str
    method: str
    params: dict[str, list[str]]
    attempts: int

    @classmethod
    def of(cls, row: Any) -> "Job":
        return cls(
            notification_id=row.notification_id,
            account_id=row.account_id,
            owner_auth_id=row.owner_auth_id,
            event=row.event,
            url=row.url,
            method=row.method,
            params=orjson.loads(row.params),
            attempts=row.attempts,
        )


Deliver = Callable[[Job], Awaitable[None]]


@dataclass
class Leased:
    """Outbox rows given this node's lease before they are inserted (:meth:`Outbox.take`); once
    their transaction is committed, :meth:`Outbox.hand_over` delivers them from memory."""

    jobs: list[Job] = field(default_factory=list)
    unleased: bool = False
    """Some rows found no room and were left for the poller."""


class Outbox:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        deliver: Deliver,
        *,
        node_id: str,
        single_node: bool,
        host_limit: int,
        host_total_limit: int,
        max_backlog: int,
        host_backlog: int,
        lease_seconds: float,
        poll_seconds: float,
    ):
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._deliver = deliver
        self.node_id = node_id
        self._single_node = single_node
        self.host_limit = host_limit
        self.host_total_limit = host_total_limit
        self.max_backlog = max_backlog
        self.host_backlog = host_backlog
        self.lease = timedelta(seconds=lease_seconds)
        self._poll_seconds = poll_seconds
        self._expiry_check_at = 0.0
        """``time.monotonic()`` after which :meth:`claim_due` looks for leases that ran out again."""
        self._queues: dict[str, deque[Job]] = {}
        self._running: dict[str, int] = {}
        """Deliveries in flight per unit."""
        self._host_running: dict[str, int] = {}
        """Deliveries in flight per host (all its units)."""
        self._blocked: dict[str, deque[str]] = {}
        """Per host, units with work that wait for a slot under ``host_total_limit``, in turn."""
        self._held: dict[str, int] = {}
        """Notifications in memory (queued or being delivered) per unit."""
        self._waiting: set[str] = set()
        """Units with rows left in the database for lack of room: poll when they have room again."""
        self._known: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._poke = asyncio.Event()
        self._stopping = False
        self.overflow = False
        """Rows were stored without a lease because memory was full: look for them when room appears."""

    # --- state ---------------------------------------------------------------------------

    @property
    def backlog(self) -> int:
        """Notifications this node holds in memory (queued or being delivered)."""
        return len(self._known)

    def has_room(self, unit: str, count: int = 1) -> bool:
        """May this node take ``count`` more notifications of ``unit`` into memory?"""
        if self._stopping:
            return False
        held = self._held.get(unit, 0) + count
        return held <= self.host_backlog and (self.backlog + count <= self.max_backlog or held <= self.host_limit)

    def left_in_database(self, unit: str) -> None:
        """A row of ``unit`` was stored without a lease for lack of room: claim it once there is room."""
        self._waiting.add(unit)

    def in_flight(self, unit: str) -> int:
        return self._running.get(unit, 0)

    def lease_until(self) -> datetime:
        return self._clock.now() + self.lease

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self._single_node:
            async with self._sessionmaker() as session:
                await session.execute(update(WebhookNotification).values(lease_owner=None, lease_until=None))
                await session.commit()
        self._loops = [
            asyncio.create_task(self._poll_loop(), name="webhooks-poll"),
            asyncio.create_task(self._renew_loop(), name="webhooks-lease"),
        ]

    async def stop(self, grace: float = 5.0) -> None:
        """Stop taking work; give deliveries in flight ``grace`` seconds, then cancel them (their
        rows stay in the outbox and are delivered again later)."""
        self._stopping = True
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._queues.clear()
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def wake(self) -> None:
        """Look at the database now: rows were stored that no node holds yet."""
        self.overflow = True
        self._poke.set()

    # --- dispatch --------------------------------------------------------------------------

    def take(self, rows: Sequence[dict[str, Any]], payloads: Sequence[dict[str, list[str]]] | None = None) -> Leased:
        """Lease rows about to be stored (rows of ``notification_row``) to this node where their
        unit has room, so that they need no poll and no claim; the others are left to the poller.
        ``payloads`` are the rows' parameters when the caller has them decoded already."""
        leased = Leased()
        taken: dict[str, int] = {}
        until = self.lease_until()
        for index, row in enumerate(rows):
            unit = row["host"]  # the delivery unit (see notification_row)
            if not self.has_room(unit, taken.get(unit, 0) + 1):
                self.left_in_database(unit)
                leased.unleased = True
                continue
            taken[unit] = taken.get(unit, 0) + 1
            row["lease_owner"], row["lease_until"] = self.node_id, until
            params = payloads[index] if payloads is not None else orjson.loads(row["params"])
            leased.jobs.append(Job(row["notification_id"], row["account_id"], row["owner_auth_id"], row["event"],
                                   row["url"], row["method"], params, row["attempts"]))
        return leased

    def hand_over(self, leased: Leased) -> None:
        """The rows of :meth:`take` are committed: deliver them."""
        for job in leased.jobs:
            self.submit(job)
        if leased.unleased:
            self.wake()

    def submit(self, job: Job) -> None:
        """Deliver ``job`` (whose row this node has leased) as soon as its host has a free slot."""
        if self._stopping or job.notification_id in self._known:
            return
        self._known.add(job.notification_id)
        unit = delivery_unit(job.url, job.owner_auth_id)
        self._held[unit] = self._held.get(unit, 0) + 1
        self._queues.setdefault(unit, deque()).append(job)
        self._pump(unit)

    def _pump(self, unit: str) -> None:
        queue = self._queues.get(unit)
        host = unit_host(unit)
        while queue and self._running.get(unit, 0) < self.host_limit and not self._stopping:
            if self._host_running.get(host, 0) >= self.host_total_limit:
                blocked = self._blocked.setdefault(host, deque())
                if unit not in blocked:
                    blocked.append(unit)
                break
            job = queue.popleft()
            self._running[unit] = self._running.get(unit, 0) + 1
            self._host_running[host] = self._host_running.get(host, 0) + 1
            task = asyncio.create_task(self._run(unit, job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if queue is not None and not queue:
            del self._queues[unit]

    def _unblock(self, host: str) -> None:
        """A slot of ``host`` came free: units that waited for the host's bound go first, in turn."""
        blocked = self._blocked.get(host)
        while blocked and self._host_running.get(host, 0) < self.host_total_limit:
            self._pump(blocked.popleft())  # a unit that fills the host again goes to the back
        if blocked is not None and not blocked:
            del self._blocked[host]

    async def _run(self, unit: str, job: Job) -> None:
        try:
            await self._deliver(job)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug or outage in delivery must not stop the worker: let the row go, it is retried
            log.exception("delivery of notification %s failed unexpectedly; it will be tried again", job.notification_id)
            task = asyncio.create_task(self._release([job.notification_id], retry_in=timedelta(seconds=30)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        finally:
            self._known.discard(job.notification_id)
            host = unit_host(unit)
            for counts, key in ((self._running, unit), (self._host_running, host)):
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]
            self._held[unit] -= 1
            held = self._held[unit]
            if not held:
                del self._held[unit]
            self._unblock(host)
            self._pump(unit)
            if unit in self._waiting and held <= min(self.host_backlog // 2, self.max_backlog // 2):
                self._waiting.discard(unit)
                self._poke.set()
            elif self.overflow and self.backlog < self.max_backlog // 2:
                self.overflow = False
                self._poke.set()

    async def _release(self, ids: list[str] | None = None, retry_in: timedelta | None = None) -> None:
        """Give up this node's lease on ``ids`` (all its rows when None) so any node takes them,
        not before ``retry_in`` when given."""
        table = WebhookNotification
        statement = update(table).where(table.lease_owner == self.node_id)
        if ids is not None:
            statement = statement.where(table.notification_id.in_(ids))
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None}
        if retry_in is not None:
            values["next_attempt_at"] = self._clock.now() + retry_in
        try:
            async with self._sessionmaker() as session:
                await session.execute(statement.values(**values).execution_options(synchronize_session=False))
                await session.commit()
        except Exception as exc:
            log.warning("could not release webhook leases (they run out by themselves): %s", exc)

    async def release_all(self) -> None:
        """On shutdown, after the outcomes are written: hand every row this node still holds back."""
        await self._release()

    # --- background loops ----------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        while True:
            try:
                claimed = await self.claim_due()
            except Exception as exc:  # the database may be briefly unavailable
                log.warning("webhook outbox poll failed: %s", exc)
                claimed = 0
            if claimed:
                continue
            try:
                await asyncio.wait_for(self._poke.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass
            self._poke.clear()

    async def claim_due(self) -> int:
        """Lease due rows nobody holds, of units that have room, and hand them to the dispatcher;
        returns how many."""
        if self._stopping:
            return 0
        now = self._clock.now()
        table = WebhookNotification
        full = [unit for unit in self._held if not self.has_room(unit)]
        claimable = table.lease_owner.is_(None)  # through its own index: not the rows in flight
        moment = time.monotonic()
        if moment >= self._expiry_check_at:
            # Leases that ran out (their node is gone): this reads every leased row, so at most
            # once a poll interval, however often the outbox is poked.
            self._expiry_check_at = moment + self._poll_seconds
            claimable = or_(claimable, table.lease_until < now)
        statement = select(*_JOB_COLUMNS).where(table.next_attempt_at <= now, claimable)
        if full:
            statement = statement.where(table.host.not_in(full))
        async with self._sessionmaker() as session:
            rows = (await session.execute(statement.order_by(table.next_attempt_at).limit(1000).with_for_update(skip_locked=True))).all()
            taken: dict[str, int] = {}
            jobs = []
            for row in rows:
                unit = delivery_unit(row.url, row.owner_auth_id)
                if row.notification_id in self._known:
                    continue
                if not self.has_room(unit, taken.get(unit, 0) + 1):
                    self._waiting.add(unit)
                    continue
                taken[unit] = taken.get(unit, 0) + 1
                jobs.append(Job.of(row))
            if not jobs:
                return 0
            await session.execute(
                update(table)
                .where(table.notification_id.in_([job.notification_id for job in jobs]))
                .values(lease_owner=self.node_id, lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        for job in jobs:
            self.submit(job)
        return len(jobs)

    async def _renew_loop(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.1)
        while True:
            await asyncio.sleep(interval)
            try:
                async with self._sessionmaker() as session:
                    await session.execute(
                        update(WebhookNotification)
                        .where(WebhookNotification.lease_owner == self.node_id, WebhookNotification.lease_until.is_not(None))
                        .values(lease_until=self.lease_until())
                        .execution_options(synchronize_session=False)
                    )
                    await session.commit()
            except Exception as exc:
                log.warning("webhook lease renewal failed: %s", exc)
