"""One slow customer endpoint never holds up anybody else; per-host concurrency is bounded."""

import asyncio

import pytest
from sqlalchemy import select

from switchboard.webhooks.models import WebhookAttempt
from tests.webhooks.conftest import Stack
from tests.webhooks.helpers import until
from tests.webhooks.receivers import Receiver


@pytest.fixture
def slow():
    with Receiver() as live:
        yield live


@pytest.fixture
def fast():
    with Receiver() as live:
        yield live


async def test_slow_host_does_not_delay_other_hosts_notifications(stack: Stack, slow: Receiver, fast: Receiver) -> None:
    webhooks = await stack.service(host_limit=4)
    for number in range(10):
        await webhooks.notify(slow.url("/hold"), {"Sequence": number}, account=stack.auth_id)
    assert await until(lambda: slow.holding == 4)
    for number in range(5):
        await webhooks.notify(fast.url("/ok"), {"Sequence": number}, account=stack.auth_id)
    assert await until(lambda: len(fast.requests) == 5), "the fast host was held up by the slow one"
    assert slow.holding == 4, "the slow host is still holding its four slots while the fast host was served"
    assert len(slow.requests) == 4
    slow.release()
    assert await until(lambda: len(slow.requests) == 10)
    assert slow.max_holding == 4


@pytest.mark.parametrize("limits", [{"max_backlog": 6}, {"host_backlog": 6}], ids=["node-full", "host-full"])
async def test_a_slow_hosts_flood_does_not_hold_up_other_hosts(stack: Stack, slow: Receiver, fast: Receiver,
                                                                  limits: dict[str, int]) -> None:
    """More notifications for a stuck host than a node keeps in memory: the rest wait in the
    database, and another host's notifications are still claimed and delivered at once."""
    webhooks = await stack.service(host_limit=2, poll_seconds=0.05, **limits)
    for number in range(20):
        await webhooks.notify(slow.url("/hold"), {"Sequence": number}, account=stack.auth_id)
    assert await until(lambda: slow.holding == 2)
    for number in range(3):
        await webhooks.notify(fast.url("/ok"), {"Sequence": number}, account=stack.auth_id)
    assert await until(lambda: len(fast.requests) == 3), "the flood for the slow host held the fast host's notifications"
    assert slow.holding == 2 and len(slow.requests) == 2
    slow.release()
    assert await until(lambda: len({r.form["Sequence"][0] for r in slow.to("/hold")}) == 20)


async def test_fetch_is_not_delayed_by_a_hanging_fetch(stack: Stack, slow: Receiver, fast: Receiver) -> None:
    webhooks = await stack.service()
    hanging = asyncio.create_task(webhooks.fetch(slow.url("/hold"), {}, account=stack.auth_id, check=None))
    assert await until(lambda: slow.holding == 1)
    result = await webhooks.fetch(fast.url("/ok"), {}, account=stack.auth_id)
    assert result.ok and not hanging.done()
    slow.release()
    assert (await hanging).ok


async def test_fetches_per_host_are_bounded(stack: Stack, slow: Receiver) -> None:
    webhooks = await stack.service(fetch_host_limit=3)
    calls = [asyncio.create_task(webhooks.fetch(slow.url("/hold"), {}, account=stack.auth_id, check=None)) for _ in range(8)]
    assert await until(lambda: slow.holding == 3)
    await asyncio.sleep(0.2)
    assert slow.max_holding == 3
    slow.release()
    results = await asyncio.gather(*calls)
    assert all(result.ok for result in results)
    assert slow.max_holding == 3 and len(slow.requests) == 8


async def test_notifications_do_not_take_fetch_slots(stack: Stack, slow: Receiver) -> None:
    webhooks = await stack.service(host_limit=2, fetch_host_limit=2)
    for _ in range(2):
        await webhooks.notify(slow.url("/hold"), {}, account=stack.auth_id)
    assert await until(lambda: slow.holding == 2)
    call = asyncio.create_task(webhooks.fetch(slow.url("/hold"), {}, account=stack.auth_id, check=None))
    assert await until(lambda: slow.holding == 3), "a call's fetch waited behind notifications to the same host"
    slow.release()
    assert (await call).ok


async def test_one_accounts_stuck_endpoint_does_not_hold_up_another_account_on_the_same_host(stack: Stack, slow: Receiver) -> None:
    """Two accounts' endpoints on one host (a shared hosting service): the first account's stuck
    endpoint fills only its own slots, and all accounts together stay within the host's bound."""
    webhooks = await stack.service(host_limit=2, host_total_limit=3)
    other, third = await stack.new_account("Other"), await stack.new_account("Third")
    for number in range(6):
        await webhooks.notify(slow.url("/hold"), {"Sequence": number}, account=stack.auth_id)
    assert await until(lambda: slow.holding == 2)
    for number in range(3):
        await webhooks.notify(slow.url("/ok/other"), {"Sequence": number}, account=other)
    assert await until(lambda: len(slow.to("/ok/other")) == 3), "another account waited behind the stuck endpoint"
    assert slow.holding == 2
    for number in range(6):
        await webhooks.notify(slow.url("/hold"), {"Sequence": number}, account=third)
    assert await until(lambda: slow.holding == 3)
    await asyncio.sleep(0.3)
    assert slow.max_holding == 3, "all accounts together stay within host_total_limit"
    slow.release()
    assert await until(lambda: len(slow.to("/hold")) == 12)
    assert slow.max_holding == 3


async def test_one_accounts_hanging_fetches_do_not_hold_up_another_accounts_calls(stack: Stack, slow: Receiver) -> None:
    webhooks = await stack.service(fetch_host_limit=2, fetch_host_total_limit=3)
    other = await stack.new_account("Other")
    hanging = [asyncio.create_task(webhooks.fetch(slow.url("/hold"), {}, account=stack.auth_id, check=None)) for _ in range(4)]
    assert await until(lambda: slow.holding == 2)
    result = await webhooks.fetch(slow.url("/ok"), {}, account=other)
    assert result.ok and slow.holding == 2, "another account's call waited behind the hanging answer URL"
    more = [asyncio.create_task(webhooks.fetch(slow.url("/hold"), {}, account=other, check=None)) for _ in range(2)]
    assert await until(lambda: slow.holding == 3)
    await asyncio.sleep(0.3)
    assert slow.max_holding == 3, "all accounts together stay within fetch_host_total_limit"
    slow.release()
    assert all(result.ok for result in await asyncio.gather(*hanging, *more))


async def test_a_fetch_waits_for_a_slot_no_longer_than_its_total_time(stack: Stack, slow: Receiver, fast: Receiver) -> None:
    """With the account's slots to a host all held, a call's fetch does not wait past its ``tt``: it
    fails with the reason, and the fallback URL (on another host) runs at once."""
    webhooks = await stack.service(fetch_host_limit=1)
    hanging = asyncio.create_task(webhooks.fetch(slow.url("/hold"), {}, account=stack.auth_id, check=None))
    assert await until(lambda: slow.holding == 1)
    result = await webhooks.fetch(slow.url("/ok#tt=300"), {}, account=stack.auth_id, fallback_url=fast.url("/ok"))
    assert result.ok and result.fallback_used and not hanging.done()
    assert result.primary_error == f"not sent: all 1 request slots of {stack.auth_id} to 127.0.0.1:{slow.port} " \
                                   "stayed busy until the total time limit"
    assert len(slow.requests) == 1 and len(fast.requests) == 1
    slow.release()
    assert (await hanging).ok
    await webhooks.flush()
    async with stack.db.session() as session:
        entry = await session.scalar(select(WebhookAttempt).where(WebhookAttempt.request_id == result.request_id,
                                                                  WebhookAttempt.outcome == "failed"))
    assert entry is not None and entry.error == result.primary_error and entry.status_code is None
