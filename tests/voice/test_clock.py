"""The virtual clock: it jumps over waits when nothing is busy, holds still while real work runs,
and moves by hand through ``POST /_sim/clock/advance``."""

import asyncio
import time
from datetime import datetime
from pathlib import Path

import httpx
from plivo import plivoxml

from switchboard.core.clock import VirtualClock
from tests.test_cli import AUTH_ID, serving
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp


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


def test_serve_with_a_virtual_clock_runs_long_calls_in_simulated_time(empty_database: str, tmp_path: Path,
                                                                      customer: CustomerApp) -> None:
    """`switchboard serve --clock virtual`, a real process: a call that waits five minutes ends with
    a five-minute Duration long before five minutes have passed."""
    hold = plivoxml.ResponseElement()
    hold.add_wait(length=300)
    hold.add_speak("Thanks for waiting.")
    customer.route("/answer", hold.to_string())
    customer.route("/hangup", "")
    env = {"SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": "a-secret-token-0002"}
    with serving(empty_database, tmp_path, env, "--clock", "virtual") as (base, _lines):
        with httpx.Client(base_url=base, auth=(AUTH_ID, "a-secret-token-0002")) as http:
            assert http.get("/_sim/clock").json()["mode"] == "virtual"
            made = http.post(f"/v1/Account/{AUTH_ID}/Call/", json={
                "from": "14155550901", "to": "14155550902", "answer_url": customer.url("/answer"),
                "hangup_url": customer.url("/hangup")})
            assert made.status_code == 201, made.text
            hangup = customer.wait_for("/hangup", timeout=60)[0].params
    assert hangup["HangupCauseCode"] == "4010" and 300 <= int(hangup["Duration"]) <= 303
