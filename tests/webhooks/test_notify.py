"""Event notifications against real local HTTP servers: signed, durable, retried, de-duplicable."""

from typing import Any

import pytest
from plivo.utils import validate_signature, validate_v3_signature
from sqlalchemy import select

from switchboard.webhooks.models import WebhookAttempt, WebhookNotification
from switchboard.webhooks.urls import delivery_unit
from tests.helpers import LiveServer, MainAccount
from tests.webhooks.conftest import Stack
from tests.webhooks.helpers import flush, log_entries, notify, until
from tests.webhooks.receivers import Receiver, eventually


@pytest.fixture
def receiver():
    with Receiver() as live:
        yield live


def outbox_row(server: LiveServer, notification_id: str) -> WebhookNotification | None:
    async def run(app: Any) -> WebhookNotification | None:
        await app.state.webhooks.flush()
        async with app.state.db.session() as session:
            return await session.scalar(select(WebhookNotification).where(WebhookNotification.notification_id == notification_id))

    return server.call(run)


def test_notification_is_delivered_signed_with_a_stable_id(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    params = {"Event": "Hangup", "CallUUID": "c-1", "Text": "Привет ✓", "Duration": 12, "Machine": False}
    notification_id = notify(server, account, receiver.url("/ok?source=hangup"), params, event="hangup")
    assert receiver.wait_for(lambda: len(receiver.requests) == 1)
    [request] = receiver.requests
    h = request.headers
    assert h["X-Switchboard-Webhook-Id"] == notification_id
    assert h["X-Switchboard-Webhook-Attempt"] == "1"
    assert request.form == {"Event": ["Hangup"], "CallUUID": ["c-1"], "Text": ["Привет ✓"], "Duration": ["12"], "Machine": ["false"]}
    assert validate_v3_signature("POST", request.url, h["X-Plivo-Signature-V3-Nonce"], account.auth_token, h["X-Plivo-Signature-V3"], request.form)
    assert validate_signature(request.url, h["X-Plivo-Signature-V2-Nonce"], h["X-Plivo-Signature-Ma-V2"], account.auth_token)
    assert receiver.wait_for(lambda: outbox_row(server, notification_id) is None), "a delivered notification leaves the outbox"
    [entry] = log_entries(server, account, request_id=notification_id)
    assert (entry["kind"], entry["event"], entry["outcome"], entry["status_code"]) == ("notify", "hangup", "success", 200)


def test_subaccount_notifications_are_signed_with_both_tokens(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    with server.http(account) as http:
        created = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "Branch", "enabled": True}).json()
    sub_id, sub_token = created["auth_id"], created["auth_token"]
    notify(server, sub_id, receiver.url("/ok"), {"Event": "Hangup"}, method="GET")
    assert receiver.wait_for(lambda: len(receiver.requests) == 1)
    [request] = receiver.requests
    h = request.headers
    nonce = h["X-Plivo-Signature-V3-Nonce"]
    assert validate_v3_signature("GET", request.url, nonce, sub_token, h["X-Plivo-Signature-V3"])
    assert validate_v3_signature("GET", request.url, nonce, account.auth_token, h["X-Plivo-Signature-Ma-V3"])
    assert not validate_v3_signature("GET", request.url, nonce, account.auth_token, h["X-Plivo-Signature-V3"])
    assert validate_signature(request.url, h["X-Plivo-Signature-V2-Nonce"], h["X-Plivo-Signature-V2"], sub_token)
    assert validate_signature(request.url, h["X-Plivo-Signature-V2-Nonce"], h["X-Plivo-Signature-Ma-V2"], account.auth_token)
    sub = type(account)(sub_id, sub_token)
    assert [e["account"] for e in log_entries(server, sub)] == [sub_id]


def test_connection_failures_are_retried_with_the_same_id(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    receiver.fail_first(2)
    notification_id = notify(server, account, receiver.url("/flaky"))
    assert receiver.wait_for(lambda: len(receiver.requests) == 3, timeout=30)
    assert {r.headers["X-Switchboard-Webhook-Id"] for r in receiver.requests} == {notification_id}
    assert [r.headers["X-Switchboard-Webhook-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert receiver.wait_for(lambda: outbox_row(server, notification_id) is None)
    entries = log_entries(server, account, request_id=notification_id)
    assert [e["outcome"] for e in entries] == ["retrying", "retrying", "success"]
    assert all("connection" in e["error"] for e in entries[:2])


def test_retry_is_scheduled_in_the_database(server: LiveServer, account: MainAccount) -> None:
    with Receiver() as gone:
        url = gone.url("/ok")
    notification_id = notify(server, account, url)
    assert eventually(lambda: (row := outbox_row(server, notification_id)) is not None and row.attempts >= 1)
    row = outbox_row(server, notification_id)
    assert row is not None and row.last_error == "connection refused"
    assert row.next_attempt_at > row.created and row.lease_owner is None


def test_500_is_not_retried_by_default(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    notification_id = notify(server, account, receiver.url("/status/500"))
    assert receiver.wait_for(lambda: outbox_row(server, notification_id) is None)
    assert len(receiver.requests) == 1
    [entry] = log_entries(server, account, request_id=notification_id)
    assert (entry["outcome"], entry["error"]) == ("failed", "HTTP 500 Internal Server Error")


def test_500_retried_when_the_fragment_says_so(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    notification_id = notify(server, account, receiver.url("/status/502#rc=1&rp=5xx"))
    assert receiver.wait_for(lambda: outbox_row(server, notification_id) is None, timeout=30)
    assert len(receiver.requests) == 2
    assert [e["outcome"] for e in log_entries(server, account, request_id=notification_id)] == ["retrying", "failed"]


def test_hanging_endpoint_times_out_and_gives_up(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    notification_id = notify(server, account, receiver.url("/hang#rt=200&rc=0"))
    assert receiver.wait_for(lambda: outbox_row(server, notification_id) is None)
    [entry] = log_entries(server, account, request_id=notification_id)
    assert entry["outcome"] == "failed" and entry["error"] == "read timeout: no response data for 200 ms"


@pytest.mark.parametrize("path", ["/huge", "/endless", "/html", "/loop"])
def test_notification_response_bodies_are_ignored_but_capped(server: LiveServer, account: MainAccount, receiver: Receiver, path: str) -> None:
    notification_id = notify(server, account, receiver.url(path + "#rc=0"))
    assert receiver.wait_for(lambda: outbox_row(server, notification_id) is None)
    [entry] = log_entries(server, account, request_id=notification_id)
    if path == "/loop":
        assert (entry["outcome"], entry["status_code"]) == ("failed", 302)
        assert "redirects are not followed" in entry["error"]
    else:
        assert (entry["outcome"], entry["status_code"], entry["error"]) == ("success", 200, "")
        assert len(entry["response_snippet"]) <= 1024


def test_tls_failure_is_final_and_logged(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    """A TLS error is not one of the default retry classes (ct, rt): one attempt, a precise reason."""
    notification_id = notify(server, account, receiver.url("/ok").replace("http://", "https://"))
    assert receiver.wait_for(lambda: outbox_row(server, notification_id) is None)
    [entry] = log_entries(server, account, request_id=notification_id)
    assert entry["outcome"] == "failed" and entry["error"].startswith("TLS handshake failed: ")
    assert receiver.requests == [], "nothing readable reached the plain-HTTP server"


def test_empty_url_sends_nothing(server: LiveServer, account: MainAccount) -> None:
    assert notify(server, account, "") is None


def test_invalid_url_is_logged_not_queued(server: LiveServer, account: MainAccount) -> None:
    notification_id = notify(server, account, "mailto:someone@example.com")
    assert outbox_row(server, notification_id) is None
    [entry] = log_entries(server, account, request_id=notification_id)
    assert entry["outcome"] == "failed" and "not an absolute http(s) URL" in entry["error"]


def test_unknown_account_is_a_programming_error(server: LiveServer) -> None:
    with pytest.raises(ValueError, match="no account"):
        notify(server, "MA" + "Z" * 18, "http://127.0.0.1:1/x")
    flush(server)


def test_overlong_url_is_refused_without_harming_other_notifications(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    """Notifications are stored in shared batches: one that could not be stored must not fail the others."""
    bad = notify(server, account, receiver.url("/ok?pad=" + "x" * 2100), event="e" * 100)
    good = notify(server, account, receiver.url("/ok"))
    assert outbox_row(server, bad) is None
    assert receiver.wait_for(lambda: [r.headers["X-Switchboard-Webhook-Id"] for r in receiver.requests] == [good])
    [entry] = log_entries(server, account, request_id=bad)
    assert entry["error"] == "URL longer than 2048 characters" and entry["event"] == "e" * 64


BAD_ENDPOINTS = {
    "/hang#rt=300&rc=0": "read timeout: no response data for 300 ms",
    "/reset#rc=0": "connection reset (",
    "/close#rc=0": "connection closed before a complete response",
    "/status/500": "HTTP 500 Internal Server Error",
    "/loop": "HTTP 302 Found: redirects are not followed (Location: /loop)",
}


async def test_bad_endpoints_never_leave_a_worker_stuck(stack: Stack) -> None:
    """Every kind of bad endpoint at once, on one host with two delivery slots: each ends in a
    failed entry with its precise reason, the slots come free, and a good notification still goes."""
    webhooks = await stack.service(host_limit=2)
    with Receiver() as receiver:
        sent = {path: await webhooks.notify(receiver.url(path), {"Event": "Hangup"}, account=stack.auth_id)
                for path in [*BAD_ENDPOINTS, "/huge#rc=0", "/endless#rc=0", "/html#rc=0"]}
        good = await webhooks.notify(receiver.url("/ok"), {"Event": "Hangup"}, account=stack.auth_id)
        assert await until(lambda: good in [r.headers["X-Switchboard-Webhook-Id"] for r in receiver.requests], timeout=30)
        assert await until(lambda: webhooks.outbox.backlog == 0)
        assert webhooks.outbox.in_flight(delivery_unit(receiver.url("/"), stack.auth_id)) == 0
    await webhooks.flush()
    async with stack.db.session() as session:
        entries = {e.request_id: e for e in (await session.scalars(select(WebhookAttempt))).all()}
    for path, reason in BAD_ENDPOINTS.items():
        entry = entries[sent[path]]
        assert entry.outcome == "failed" and entry.error.startswith(reason), (path, entry.error)
    for path in ("/huge#rc=0", "/endless#rc=0", "/html#rc=0"):  # a notification's body is ignored, only capped
        assert (entries[sent[path]].outcome, entries[sent[path]].status_code) == ("success", 200)
    assert entries[good].outcome == "success"
