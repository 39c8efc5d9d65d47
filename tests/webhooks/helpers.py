"""Shortcuts for webhook tests: run the server's webhook service, read its debug log."""

import asyncio
from collections.abc import Callable
from typing import Any

from switchboard.webhooks import FetchResult
from tests.helpers import LiveServer, MainAccount


def fetch(server: LiveServer, account: MainAccount | str, url: str, params: dict[str, Any] | None = None, **options: Any) -> FetchResult:
    auth_id = account if isinstance(account, str) else account.auth_id

    async def run(app: Any) -> FetchResult:
        return await app.state.webhooks.fetch(url, params or {"CallUUID": "test-call"}, account=auth_id, **options)

    return server.call(run)


def notify(server: LiveServer, account: MainAccount | str, url: str, params: dict[str, Any] | None = None, **options: Any) -> str:
    auth_id = account if isinstance(account, str) else account.auth_id

    async def run(app: Any) -> str:
        return await app.state.webhooks.notify(url, params or {"Event": "Hangup"}, account=auth_id, **options)

    return server.call(run)


def flush(server: LiveServer) -> None:
    async def run(app: Any) -> None:
        await app.state.webhooks.flush()

    server.call(run)


def log_entries(server: LiveServer, account: MainAccount, **filters: Any) -> list[dict[str, Any]]:
    """Every debug-log entry the account can see through the REST extension (oldest first)."""
    flush(server)
    entries: list[dict[str, Any]] = []
    with server.http(account) as http:
        offset = 0
        while True:
            response = http.get(f"/v1/Account/{account.auth_id}/WebhookLog/", params={**filters, "limit": 20, "offset": offset})
            assert response.status_code == 200, response.text
            body = response.json()
            entries += body["objects"]
            if body["meta"]["next"] is None:
                return list(reversed(entries))
            offset += 20


async def until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Await until ``predicate()`` is true (False if it still is not after ``timeout`` seconds)."""
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()
