"""The virtual clock: it jumps over waits when nothing is busy, holds still while real work runs,
and moves by hand through ``POST /_sim/clock/advance``."""

import asyncio
import time
from datetime import datetime

from switchboard.core.clock import VirtualClock
from tests.voice.conftest import Sim


async def test_jumps_when_idle_and_waits_while_busy() -> None:
    clock = VirtualClock()
    await clock.start()
    try:
        started, real = clock.monotonic(), time.monotonic()
        await clock.sleep(3600)
        assert clock.monotonic() - started >= 3600 and time.monotonic() - real < 2

        order: list[str] = []

        async def sleeper() -> None:
            await clock.sleep(10)
            order.append("timer")

        async def worker() -> None:
            with clock.busy():
                await asyncio.sleep(0.05)  # real I/O: the clock must not jump meanwhile
                order.append("work")

        await asyncio.gather(sleeper(), worker())
        assert order == ["work", "timer"]

        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        assert await clock.wait(future, 60) is False
        asyncio.get_running_loop().call_soon(future.set_result, None)
        assert await clock.wait(future, 60) is True
    finally:
        await clock.stop()


async def test_advance_by_hand_fires_due_timers() -> None:
    clock = VirtualClock(auto=False)
    await clock.start()
    try:
        task = asyncio.create_task(clock.sleep(100))
        await asyncio.sleep(0.01)
        assert not task.done()
        assert clock.advance(100) == 1
        await asyncio.wait_for(task, 1)
    finally:
        await clock.stop()


def test_clock_api_on_a_virtual_server(sim: Sim) -> None:
    before = sim.http.get("/_sim/clock").json()
    assert before["mode"] == "virtual"
    moved = sim.http.post("/_sim/clock/advance", json={"seconds": 3600}).json()
    assert (datetime.fromisoformat(moved["now"]) - datetime.fromisoformat(before["now"])).total_seconds() >= 3600
