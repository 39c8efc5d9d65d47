"""The one source of time: :class:`Clock` (real time) and :class:`VirtualClock` (simulated time
that jumps ahead whenever nothing but timers is pending; see docs/simulator.md).

Call-timing code never calls ``asyncio.sleep`` directly: it uses :meth:`Clock.sleep`,
:meth:`Clock.wait` and :meth:`Clock.monotonic`, and wraps real I/O (HTTP fetches, database
writes a call waits for) in :meth:`Clock.busy`, so the same code runs on either clock.
"""

import asyncio
import heapq
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone


class Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for durations and deadlines)."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def wait(self, future: "asyncio.Future[object]", timeout: float | None) -> bool:
        """Wait until ``future`` is done or ``timeout`` seconds pass (``None``: no limit); True if
        it is done. The future is never cancelled."""
        if future.done():
            return True
        done, _ = await asyncio.wait([future], timeout=None if timeout is None else max(0.0, timeout))
        return bool(done)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Mark real work in progress (a virtual clock does not jump meanwhile)."""
        yield

    async def start(self) -> None:
        """Start background work (none for real time)."""

    async def stop(self) -> None:
        """Stop background work."""


def format_date(value: datetime | None) -> str | None:
    """Plivo's date-only fields (``created``, ``modified``, ``added_on``)."""
    return value.date().isoformat() if value is not None else None


def format_time(value: datetime | None) -> str | None:
    """Plivo's timestamp fields: ``2017-05-22 17:49:40+00:00``."""
    return value.isoformat(sep=" ", timespec="seconds") if value is not None else None


class VirtualClock(Clock):
    """Simulated time: it flows with real time and, when ``auto`` is on, jumps straight to the next
    timer whenever nothing is :meth:`busy` and the event loop has nothing else to run, so a
    five-minute call flow completes in milliseconds. :meth:`advance` moves it by hand."""

    def __init__(self, start: datetime | None = None, *, auto: bool = True, settle_rounds: int = 20):
        self._origin = start or datetime.now(timezone.utc)
        self._real_origin = time.monotonic()
        self._skipped = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._sequence = itertools.count()
        self._busy = 0
        self._activity = 0
        self._settle_rounds = settle_rounds
        self.auto = auto
        self._changed: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # --- reading time --------------------------------------------------------------------------

    def monotonic(self) -> float:
        return time.monotonic() - self._real_origin + self._skipped

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=self.monotonic())

    # --- waiting -------------------------------------------------------------------------------

    def _timer(self, seconds: float) -> "asyncio.Future[None]":
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.monotonic() + max(0.0, seconds), next(self._sequence), future))
        self._poke()
        return future

    async def sleep(self, seconds: float) -> None:
        timer = self._timer(seconds)
        try:
            await timer
        finally:
            timer.cancel()

    async def wait(self, future: "asyncio.Future[object]", timeout: float | None) -> bool:
        if future.done():
            return True
        if timeout is None:
            await asyncio.wait([future])
            return True
        timer = self._timer(timeout)
        try:
            await asyncio.wait([future, timer], return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        return future.done()

    @contextmanager
    def busy(self) -> Iterator[None]:
        self._busy += 1
        self._activity += 1
        try:
            yield
        finally:
            self._busy -= 1
            self._activity += 1
            self._poke()

    # --- moving time ---------------------------------------------------------------------------

    def advance(self, seconds: float) -> int:
        """Move time forward by ``seconds``, firing every timer due meanwhile; returns how many."""
        self._skipped += max(0.0, seconds)
        return self._fire_due()

    def _fire_due(self) -> int:
        fired = 0
        now = self.monotonic()
        while self._timers and (self._timers[0][2].done() or self._timers[0][0] <= now):
            _, _, future = heapq.heappop(self._timers)
            if not future.done():
                future.set_result(None)
                fired += 1
        if fired:
            self._activity += 1
        return fired

    def _next_deadline(self) -> float | None:
        while self._timers and self._timers[0][2].done():
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def _poke(self) -> None:
        if self._changed is not None:
            self._changed.set()

    async def _settled(self) -> bool:
        """True when, after letting every ready callback run, nothing became busy or fired."""
        mark = self._activity
        for _ in range(self._settle_rounds):
            await asyncio.sleep(0)
            if self._busy or self._activity != mark:
                return False
        await asyncio.sleep(0.001)
        return not self._busy and self._activity == mark

    async def _run(self) -> None:
        assert self._changed is not None
        while True:
            self._fire_due()
            deadline = self._next_deadline()
            if deadline is None:
                self._changed.clear()
                await self._changed.wait()
                continue
            if self.auto and not self._busy and await self._settled():
                deadline = self._next_deadline()
                if deadline is not None and deadline > self.monotonic():
                    self._skipped += deadline - self.monotonic()
                continue
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=max(0.0, min(deadline - self.monotonic(), 0.05)))
            except TimeoutError:
                pass

    async def start(self) -> None:
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="virtual-clock")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
