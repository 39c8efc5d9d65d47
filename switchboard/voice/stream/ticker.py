"""One 20 ms timer for all the streams of a node.

Each stream sends a frame per track every 20 ms. A timer and a task wake-up per stream per frame
cost more than the frame itself at a few hundred streams, so one task ticks every 20 ms on the
clock and calls every live stream's pump in turn; a stream's frames are laid on the ticker's grid
(its origin is the next tick). The task runs only while there are pumps, so an idle node (or a
virtual clock in tests) has no timer left.
"""

import asyncio
import logging
from collections.abc import Callable

from switchboard.core.clock import Clock

log = logging.getLogger("switchboard.stream")
TICK_SECONDS = 0.02

Pump = Callable[[float], None]
"""Called with the clock's monotonic time at each tick; sends what is due by then."""


class Ticker:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.pumps: dict[int, Pump] = {}
        self._next_id = 0
        self._origin = 0.0
        self._task: asyncio.Task[None] | None = None

    def next_tick(self) -> float:
        """The time of the next tick (a new stream's frames start there)."""
        now = self.clock.monotonic()
        if not self._running():
            self._origin = now
        return self._origin + -(-(now - self._origin) // TICK_SECONDS) * TICK_SECONDS

    def add(self, pump: Pump) -> int:
        """Call ``pump`` at every tick from now on; its id, for :meth:`remove`."""
        if not self._running():  # on the grid next_tick() laid out
            self._task = asyncio.create_task(self._run(), name="stream-ticker")
        self._next_id += 1
        self.pumps[self._next_id] = pump
        return self._next_id

    def _running(self) -> bool:
        return self._task is not None and not self._task.done()

    def remove(self, pump_id: int) -> None:
        self.pumps.pop(pump_id, None)

    async def _run(self) -> None:
        tick = 0
        while self.pumps:
            now = self.clock.monotonic()
            due = int((now - self._origin) / TICK_SECONDS + 1e-6)
            tick = max(tick + 1, due + 1)
            for pump_id, pump in list(self.pumps.items()):
                try:
                    pump(now)
                except Exception:  # one stream's fault stops its frames, not every stream's
                    log.exception("stream pump failed; its frames stop")
                    self.pumps.pop(pump_id, None)
            await self.clock.sleep(self._origin + tick * TICK_SECONDS - self.clock.monotonic())
