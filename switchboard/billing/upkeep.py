"""The billing upkeep, on every node: rentals that fall due are charged (and their renewal dates
moved on), recordings kept past their free days are charged at month ends, then accounts below
their auto-recharge threshold are recharged.

It ticks in real time (``billing_upkeep_seconds``, a minute by default), not on the virtual clock,
which must not jump ahead for it; what falls due is decided by the clock's time, so a test moves
a virtual clock on by a month and the next tick (or :meth:`BillingUpkeep.run_once`) renews. Two
nodes ticking together charge once: every charge has its idempotency key.
"""

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.billing.payments import PaymentProvider, recharge_due
from switchboard.billing.recording_storage import charge_storage
from switchboard.billing.rentals import renew_due
from switchboard.core.clock import Clock

log = logging.getLogger("switchboard.billing")


class BillingUpkeep:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, provider: PaymentProvider | None,
                 tick_seconds: float):
        self.sessionmaker, self.clock, self.provider, self.tick_seconds = sessionmaker, clock, provider, tick_seconds
        self.passes = 0
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> tuple[int, int, int]:
        """One pass: (rental periods charged, recording-months charged, accounts recharged)."""
        with self.clock.busy():
            renewed = await renew_due(self.sessionmaker, self.clock)
            stored = await charge_storage(self.sessionmaker, self.clock)
            recharged = await recharge_due(self.sessionmaker, self.clock, self.provider)
        self.passes += 1
        return renewed, stored, recharged

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("billing upkeep failed")
            await asyncio.sleep(self.tick_seconds)  # real time: a virtual clock must not jump for it

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="billing-upkeep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
