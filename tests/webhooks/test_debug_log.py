"""The debug log: the WebhookLog/ REST extension, WebhookTest/, retention, and ``switchboard logs``."""

import subprocess
import sys
import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from switchboard.config import Settings
from switchboard.webhooks.models import WebhookAttempt
from switchboard.webhooks.runtime import build_webhooks
from tests.helpers import LiveServer, MainAccount
from tests.webhooks.conftest import Stack
from tests.webhooks.helpers import fetch, flush, log_entries
from tests.webhooks.receivers import Receiver, eventually


@pytest.fixture
def receiver():
    with Receiver() as live:
        yield live


def test_log_lists_newest_first_with_every_field(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    fetch(server, account, receiver.url("/ok"), event="answer")
    fetch(server, account, receiver.url("/status/404"), event="action")
    flush(server)
    with server.http(account) as http:
        body = http.get(f"/v1/Account/{account.auth_id}/WebhookLog/").json()
    assert body["meta"]["total_count"] == 2
    newest, oldest = body["objects"]
    assert (newest["event"], newest["status_code"], newest["outcome"], newest["error"]) == ("action", 404, "failed", "HTTP 404 Not Found")
    assert (oldest["event"], oldest["status_code"], oldest["outcome"]) == ("answer", 200, "success")
    assert set(oldest) == {
        "log_id", "time", "account", "kind", "event", "request_id", "attempt", "url", "method", "params",
        "status_code", "latency_ms", "response_snippet", "outcome", "error", "resource_uri",
    }
    assert oldest["latency_ms"] > 0 and oldest["account"] == account.auth_id
    assert oldest["resource_uri"] == f"/v1/Account/{account.auth_id}/WebhookLog/{oldest['log_id']}/"
    with server.http(account) as http:
        one = http.get(oldest["resource_uri"])
    assert one.status_code == 200 and one.json()["log_id"] == oldest["log_id"] and "api_id" in one.json()


def test_errors_filter(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    fetch(server, account, receiver.url("/ok"))
    fetch(server, account, receiver.url("/status/500"))
    errors = log_entries(server, account, errors="true")
    assert [e["status_code"] for e in errors] == [500]


def test_accounts_see_only_their_own_entries(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    other = server.new_main_account()
    fetch(server, other, receiver.url("/ok"))
    assert log_entries(server, account) == []
    with server.http(account) as http:
        sub = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "S", "enabled": True}).json()
    fetch(server, sub["auth_id"], receiver.url("/ok"))
    fetch(server, account, receiver.url("/ok"))
    sub_account = MainAccount(sub["auth_id"], sub["auth_token"])
    assert [e["account"] for e in log_entries(server, sub_account)] == [sub["auth_id"]]
    assert sorted(e["account"] for e in log_entries(server, account)) == sorted([account.auth_id, sub["auth_id"]])
    other_id = log_entries(server, other)[0]["log_id"]
    with server.http(account) as http:
        assert http.get(f"/v1/Account/{account.auth_id}/WebhookLog/{other_id}/").status_code == 404
        for bad in ("not-a-number", "9" * 30, "١٢٣"):
            assert http.get(f"/v1/Account/{account.auth_id}/WebhookLog/{bad}/").status_code == 404


def test_log_needs_credentials(server: LiveServer, account: MainAccount) -> None:
    with server.http() as http:
        assert http.get(f"/v1/Account/{account.auth_id}/WebhookLog/").status_code == 401


def test_webhook_test_endpoint_queues_signed_notifications(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/WebhookTest/", json={"url": receiver.url("/ok"), "count": 3})
    assert response.status_code == 201, response.text
    ids = response.json()["notification_ids"]
    assert len(ids) == 3
    assert eventually(lambda: len(receiver.requests) == 3)
    assert sorted(r.form["Sequence"][0] for r in receiver.requests) == ["1", "2", "3"]
    assert {r.headers["X-Switchboard-Webhook-Id"] for r in receiver.requests} == set(ids)


@pytest.mark.parametrize(
    ("payload", "message"),
    [({"url": "ftp://x"}, "url"), ({"url": "http://h.test/x", "count": 1001}, "count"), ({}, "url"),
     ({"url": "http://h.test/x", "method": "PUT"}, "method")],
)
def test_webhook_test_validates(server: LiveServer, account: MainAccount, payload: dict[str, Any], message: str) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/WebhookTest/", json=payload)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_old_entries_are_pruned(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    result = fetch(server, account, receiver.url("/ok"))
    flush(server)

    async def age_and_prune(app: Any) -> tuple[int, int]:
        async with app.state.db.session() as session:
            row = await session.scalar(select(WebhookAttempt).where(WebhookAttempt.request_id == result.request_id))
            row.created -= timedelta(hours=app.state.webhooks.config.log_retention_hours + 1)
            await session.commit()
        removed = await app.state.webhooks.prune()
        async with app.state.db.session() as session:
            left = await session.scalar(select(WebhookAttempt).where(WebhookAttempt.request_id == result.request_id))
        return removed, 0 if left is None else 1

    removed, left = server.call(age_and_prune)
    assert removed >= 1 and left == 0


def test_switchboard_logs_command(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    fetch(server, account, receiver.url("/ok"), event="answer")
    fetch(server, account, receiver.url("/status/503"), event="answer")
    flush(server)
    command = [sys.executable, "-m", "switchboard", "logs", "--database-url", server.settings.database_url, "--account", account.auth_id]
    everything = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert everything.returncode == 0, everything.stderr
    lines = everything.stdout.strip().splitlines()
    assert len(lines) == 2
    assert f"{account.auth_id} fetch [answer] #1 POST {receiver.url('/ok')} -> 200" in lines[0]
    assert lines[1].endswith("failed: HTTP 503 Service Unavailable")
    errors = subprocess.run(command + ["--errors"], capture_output=True, text=True, timeout=60)
    assert errors.stdout.strip().splitlines() == lines[1:]


def test_switchboard_logs_follow(server: LiveServer, account: MainAccount, receiver: Receiver) -> None:
    command = [sys.executable, "-m", "switchboard", "logs", "--follow", "--database-url", server.settings.database_url,
               "--account", account.auth_id]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as follower:
        try:
            fetch(server, account, receiver.url("/ok"))  # before or after the follower starts: both are printed once
            fetch(server, account, receiver.url("/status/500"))
            flush(server)
            assert follower.stdout is not None
            stream = follower.stdout
            lines: list[str] = []
            reader = threading.Thread(target=lambda: lines.extend([stream.readline(), stream.readline()]), daemon=True)
            reader.start()
            reader.join(30)
        finally:
            follower.terminate()
    assert len(lines) == 2, "switchboard logs --follow printed nothing within 30 s"
    assert "-> 200" in lines[0] and "-> 500" in lines[1]


async def test_retention_is_the_configured_one_and_keeps_younger_entries(stack: Stack) -> None:
    """``--webhook-log-retention-hours`` reaches the service; prune removes only what is older."""
    settings = Settings(webhook_log_retention_hours=2, webhook_host_concurrency=3)
    app = SimpleNamespace(state=SimpleNamespace(settings=settings, db=stack.db, clock=stack.clock, credentials=stack.credentials))
    webhooks = build_webhooks(app)
    assert (webhooks.config.log_retention_hours, webhooks.config.host_limit) == (2, 3)
    ages = {"fresh": 0.5, "nearly": 1.9, "just-over": 2.1, "old": 30.0}
    for name in ages:
        webhooks.journal.record_attempt({
            "created": stack.clock.now(), "account_id": stack.auth_id, "owner_auth_id": stack.auth_id, "kind": "notify",
            "event": "", "request_id": name, "attempt": 1, "url": "https://example.com/", "method": "POST", "params": "{}",
            "status_code": 200, "latency_ms": 1.0, "response_snippet": "", "outcome": "success", "error": ""})
    webhooks.journal.start()
    try:
        await webhooks.flush()
        async with stack.db.session() as session:
            for row in (await session.scalars(select(WebhookAttempt))).all():
                row.created -= timedelta(hours=ages[row.request_id])
            await session.commit()
        assert await webhooks.prune() == 2
        async with stack.db.session() as session:
            left = (await session.scalars(select(WebhookAttempt.request_id))).all()
        assert sorted(left) == ["fresh", "nearly"]
    finally:
        await webhooks.journal.stop()
        await webhooks.transport.aclose()
