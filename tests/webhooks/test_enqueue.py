"""The public helpers other areas use: a notification stored in the caller's own transaction
(``enqueue`` + ``notification_row``), and a problem entry in the debug log (``record_problem``)."""

import asyncio

from plivo.utils import validate_v3_signature
from sqlalchemy import select

from switchboard.webhooks import enqueue, notification_row
from switchboard.webhooks.models import WebhookAttempt, WebhookNotification
from tests.webhooks.conftest import Stack
from tests.webhooks.helpers import until
from tests.webhooks.receivers import Receiver


async def test_enqueued_in_a_committed_transaction_is_delivered_signed_with_its_id(stack: Stack) -> None:
    webhooks = await stack.service(poll_seconds=30)  # only wake() can make it prompt
    with Receiver() as receiver:
        row = notification_row(account_id=stack.auth_id, owner_auth_id=stack.auth_id, url=receiver.url("/ok#rc=0"),
                               method="post", params={"Status": "sent", "Units": 2, "Flag": True}, event="message status",
                               now=stack.clock.now())
        async with stack.db.session() as session:
            await enqueue(session, [row])
            await session.commit()
        webhooks.wake()
        assert await until(lambda: len(receiver.requests) == 1)
        [request] = receiver.requests
    assert request.headers["X-Switchboard-Webhook-Id"] == row["notification_id"]
    assert request.form == {"Status": ["sent"], "Units": ["2"], "Flag": ["true"]}
    assert request.target == "/ok", "the fragment is never sent"
    account = await stack.credentials.get(stack.auth_id)
    assert account is not None
    h = request.headers
    assert validate_v3_signature("POST", request.url, h["X-Plivo-Signature-V3-Nonce"], account.auth_token,
                                 h["X-Plivo-Signature-V3"], request.form)
    for _ in range(100):  # the outcome is written after the receiver answered: wait for it, up to 10 s
        await webhooks.flush()
        async with stack.db.session() as session:
            if await session.get(WebhookNotification, row["notification_id"]) is None:
                break
        await asyncio.sleep(0.1)
    async with stack.db.session() as session:
        assert await session.get(WebhookNotification, row["notification_id"]) is None, "delivered rows leave the outbox"
        [entry] = (await session.scalars(select(WebhookAttempt).where(WebhookAttempt.request_id == row["notification_id"]))).all()
    assert (entry.kind, entry.event, entry.outcome) == ("notify", "message status", "success")


async def store(stack: Stack, url: str, status: str, *, commit: bool) -> None:
    """A status callback enqueued in a transaction that is then committed or rolled back."""
    row = notification_row(account_id=stack.auth_id, owner_auth_id=stack.auth_id, url=url, method="POST",
                           params={"Status": status}, event="message status", now=stack.clock.now())
    async with stack.db.session() as session:
        await enqueue(session, [row])
        await (session.commit() if commit else session.rollback())


async def test_enqueued_in_a_rolled_back_transaction_is_never_sent(stack: Stack) -> None:
    webhooks = await stack.service(poll_seconds=0.05)
    with Receiver() as receiver:
        await store(stack, receiver.url("/ok"), "queued", commit=False)
        webhooks.wake()
        await store(stack, receiver.url("/ok"), "sent", commit=True)
        webhooks.wake()
        assert await until(lambda: len(receiver.requests) == 1)
        await webhooks.flush()
        assert [r.form["Status"] for r in receiver.requests] == [["sent"]]


async def test_record_problem_is_a_failed_debug_log_entry(stack: Stack) -> None:
    webhooks = await stack.service()
    webhooks.record_problem(account_id=stack.auth_id, owner_auth_id=stack.auth_id, kind="xml", event="call.xml",
                            request_id=None, url="https://example.com/answer", method="POST",
                            params={"CallUUID": "c-1"}, error="<Speak> needs text")
    await webhooks.flush()
    async with stack.db.session() as session:
        [entry] = (await session.scalars(select(WebhookAttempt).where(WebhookAttempt.kind == "xml"))).all()
    assert (entry.outcome, entry.error, entry.url, entry.event) == ("failed", "<Speak> needs text", "https://example.com/answer", "call.xml")
    assert entry.params == '{"CallUUID":["c-1"]}' and len(entry.request_id) == 36 and entry.status_code is None


async def test_leased_rows_are_delivered_from_memory_and_rows_without_room_wait_for_the_poller(stack: Stack) -> None:
    webhooks = await stack.service(poll_seconds=30, host_limit=2, host_backlog=2)  # no poll within the test
    with Receiver() as receiver:
        rows = [notification_row(account_id=stack.auth_id, owner_auth_id=stack.auth_id, url=receiver.url("/ok"),
                                 method="POST", params={"Status": str(i)}, event="message status", now=stack.clock.now())
                for i in range(3)]
        leased = webhooks.lease(rows)
        assert [row["lease_owner"] is not None for row in rows] == [True, True, False]  # the host has room for two
        async with stack.db.session() as session:
            await enqueue(session, rows)
            await session.commit()
        webhooks.hand_over(leased)
        assert await until(lambda: len(receiver.requests) == 3), "the third is claimed once the host has room again"
    assert sorted(r.form["Status"][0] for r in receiver.requests) == ["0", "1", "2"]
