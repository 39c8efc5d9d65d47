"""The one 20 ms ticker of a node's streams, on the virtual clock."""

import asyncio

from switchboard.core.clock import VirtualClock
from switchboard.voice.stream.ticker import TICK_SECONDS, Ticker


async def scenario() -> tuple[list[float], list[float], Ticker]:
    clock = VirtualClock()
    await clock.start()
    ticker = Ticker(clock)
    first: list[float] = []
    second: list[float] = []
    origin = ticker.next_tick()
    one = ticker.add(first.append)
    await clock.sleep(5 * TICK_SECONDS + 0.001)
    assert abs(ticker.next_tick() - (origin + 6 * TICK_SECONDS)) < 1e-9  # a new stream starts on the grid
    two = ticker.add(second.append)
    await clock.sleep(5 * TICK_SECONDS)
    ticker.remove(one)

    def broken(now: float) -> None:
        raise RuntimeError("one stream's fault")

    ticker.add(broken)  # taken off at its first tick; the others go on
    await clock.sleep(5 * TICK_SECONDS)
    ticker.remove(two)
    await clock.sleep(2 * TICK_SECONDS)
    assert ticker._task is not None and ticker._task.done()  # no pumps: no timer left
    await clock.stop()
    return first, second, ticker


def test_one_timer_calls_every_pump_each_tick_until_it_is_removed() -> None:
    first, second, ticker = asyncio.run(scenario())
    assert len(first) == 11 and len(second) == 10
    assert all(abs(b - a - TICK_SECONDS) < 1e-3 for a, b in zip(first, first[1:]))  # virtual time, not wall time
    assert first[6:] == second[:5] and ticker.pumps == {}
