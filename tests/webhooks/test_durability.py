"""Notifications survive a restart of the service and are delivered at least once."""

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from switchboard.webhooks.models import WebhookAttempt, WebhookNotification
from tests.webhooks.conftest import Stack
from tests.webhooks.helpers import until
from tests.webhooks.receivers import Receiver


async def outbox_size(stack: Stack) -> int:
    async with stack.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(WebhookNotification)) or 0)


async def test_stored_before_notify_returns(stack: Stack) -> None:
    webhooks = await stack.service()
    with Receiver() as gone:
        url = gone.url("/ok")
    notification_id = await webhooks.notify(url, {"Event": "Hangup"}, account=stack.auth_id)
    async with stack.db.session() as session:
        row = await session.get(WebhookNotification, notification_id)
    assert row is not None and row.url == url and '"Event": ["Hangup"]' in row.params.replace('":[', '": [')


async def test_notifications_in_flight_are_delivered_again_after_a_restart(stack: Stack) -> None:
    with Receiver() as receiver:
        first = await stack.service(host_limit=20, lease_seconds=1)
        ids = [await first.notify(receiver.url("/hold"), {"Sequence": n}, account=stack.auth_id) for n in range(20)]
        assert await until(lambda: receiver.holding == 20)
        await first.stop(grace=0.1)  # the node goes away with 20 deliveries unanswered
        assert await outbox_size(stack) == 20
        receiver.release()
        before = len(receiver.requests)
        second = await stack.service(lease_seconds=1, poll_seconds=0.1)
        # The first node released its leases on the way out (a crash is test_crash.py's subject).
        assert await until(lambda: len(receiver.requests) >= before + 20, timeout=30)
        assert {r.headers["X-Switchboard-Webhook-Id"] for r in receiver.requests[before:]} == set(ids)
        await second.flush()
        assert await until_async(lambda: outbox_size(stack), 0)


async def until_async(measure: Callable[[], Any], expected: object, timeout: float = 10.0) -> bool:
    for _ in range(int(timeout / 0.05)):
        if await measure() == expected:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_many_notifications_in_one_burst(stack: Stack) -> None:
    with Receiver() as receiver:
        webhooks = await stack.service()
        ids = await asyncio.gather(*(webhooks.notify(receiver.url("/ok"), {"n": n}, account=stack.auth_id) for n in range(300)))
        assert await until(lambda: len(receiver.requests) >= 300, timeout=30)
        assert {r.headers["X-Switchboard-Webhook-Id"] for r in receiver.requests} == set(ids)


async def test_unexpected_delivery_error_releases_the_row_for_later(stack: Stack) -> None:
    webhooks = await stack.service()
    real_send = webhooks._send

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated bug")

    webhooks._send = broken  # type: ignore[method-assign]
    notification_id = await webhooks.notify("http://127.0.0.1:9/x", {}, account=stack.auth_id)

    async def released() -> bool:
        async with stack.db.session() as session:
            row = await session.get(WebhookNotification, notification_id, populate_existing=True)
        return row is not None and row.lease_owner is None and row.next_attempt_at > row.created

    assert await until_async(released, True)
    assert webhooks.outbox.backlog == 0, "the worker is free again"
    webhooks._send = real_send  # type: ignore[method-assign]


async def test_row_with_an_unusable_url_is_logged_and_dropped(stack: Stack) -> None:
    """Rows other code inserts directly (messaging's transactional outbox) are checked on delivery."""
    webhooks = await stack.service(poll_seconds=0.05)
    async with stack.db.session() as session:
        now = stack.clock.now()
        session.add(WebhookNotification(
            notification_id="bad-url-row", account_id=stack.auth_id, owner_auth_id=stack.auth_id, event="test",
            url="http://\U000441d6\U000b8a11s/x", method="POST", params="{}", attempts=0, created=now,
            next_attempt_at=now, last_error="",
        ))
        await session.commit()
    webhooks.outbox.wake()
    assert await until_async(lambda: outbox_size(stack), 0)
    await webhooks.flush()
    async with stack.db.session() as session:
        entry = await session.scalar(select(WebhookAttempt).where(WebhookAttempt.request_id == "bad-url-row"))
    assert entry is not None and entry.outcome == "failed" and entry.error.startswith("URL cannot be requested")


async def test_row_is_stored_before_its_first_attempt(stack: Stack) -> None:
    """The receiver holds the first request open: the notification is in the outbox already, and
    leaves it only once the receiver has answered."""
    webhooks = await stack.service()
    with Receiver() as receiver:
        notification_id = await webhooks.notify(receiver.url("/hold"), {"Event": "Hangup"}, account=stack.auth_id)
        assert await until(lambda: receiver.holding == 1)
        async with stack.db.session() as session:
            row = await session.get(WebhookNotification, notification_id)
        assert row is not None and row.attempts == 0
        receiver.release()
        await until(lambda: webhooks.outbox.backlog == 0)
        await webhooks.flush()
        assert await until_async(lambda: outbox_size(stack), 0)


async def test_retries_back_off_exponentially(stack: Stack) -> None:
    """Attempts of a notification that keeps failing are spaced 1, 2, 4 … times the base delay (±10 %)."""
    webhooks = await stack.service(retry_base_seconds=0.2, poll_seconds=0.02)
    with Receiver() as gone:
        url = gone.url("/ok#rc=3")
    notification_id = await webhooks.notify(url, {"Event": "Hangup"}, account=stack.auth_id)
    assert await until_async(lambda: outbox_size(stack), 0)
    await webhooks.flush()
    async with stack.db.session() as session:
        entries = (await session.scalars(select(WebhookAttempt).where(WebhookAttempt.request_id == notification_id)
                                         .order_by(WebhookAttempt.attempt))).all()
    assert [(e.attempt, e.outcome) for e in entries] == [(1, "retrying"), (2, "retrying"), (3, "retrying"), (4, "failed")]
    gaps = [(later.created - earlier.created).total_seconds() for earlier, later in zip(entries, entries[1:])]
    assert [gap >= 0.9 * 0.2 * 2**number for number, gap in enumerate(gaps)] == [True, True, True], gaps
