"""``switchboard logs --follow``: rows whose ids commit out of order are still printed, once."""

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import insert

from switchboard.core.db import Database
from switchboard.webhooks.logcli import FollowWindow, show_logs
from switchboard.webhooks.models import WebhookAttempt
from tests.webhooks.helpers import until

ACCOUNT = "MAFOLLOW0000000000001"[:20]


def attempt(url: str) -> dict[str, Any]:
    return {"created": datetime.now(timezone.utc), "account_id": ACCOUNT, "owner_auth_id": ACCOUNT, "kind": "notify",
            "event": "hangup", "request_id": "r", "attempt": 1, "url": url, "method": "POST", "params": "{}",
            "status_code": 200, "latency_ms": 1.0, "response_snippet": "", "outcome": "success", "error": ""}


def test_window_keeps_looking_below_the_highest_id_until_it_settles() -> None:
    now = [0.0]
    window = FollowWindow(10, settle=5, now=lambda: now[0])
    assert window.fresh([11, 13]) == [11, 13]
    window.printed([11, 13])
    assert window.cursor == 10 and window.fresh([11, 12, 13]) == [12], "12 committed late: still found, 11 and 13 not again"
    now[0] = 4.0
    window.printed([12])
    assert window.cursor == 10
    now[0] = 5.0
    window.printed([])
    assert window.cursor == 13 and window.fresh([12, 13, 14]) == [14]
    now[0] = 9.0
    window.printed([])
    assert window.cursor == 13, "12 was printed at 4 s but is below 13 already"


async def test_follow_prints_a_row_committed_after_a_higher_id(empty_database: str) -> None:
    if not empty_database.startswith("postgresql"):
        pytest.skip("SQLite serializes writers: ids cannot commit out of order there")
    db = Database(empty_database)
    await db.migrate()
    printed: list[str] = []
    follower = asyncio.create_task(show_logs(empty_database, follow=True, errors=False, account=ACCOUNT, lines=10,
                                             echo=printed.append, poll_seconds=0.05))
    try:
        async with db.session() as slow:
            await slow.execute(insert(WebhookAttempt), [attempt("https://example.com/first-id")])  # takes the lower id
            async with db.session() as fast:
                await fast.execute(insert(WebhookAttempt), [attempt("https://example.com/second-id")])
                await fast.commit()
            assert await until(lambda: any("second-id" in line for line in printed))
            await slow.commit()
        assert await until(lambda: any("first-id" in line for line in printed)), printed
        await asyncio.sleep(0.3)  # a few more polls: nothing is printed twice
        assert sorted(line.split(" POST ")[1].split()[0] for line in printed) == ["https://example.com/first-id",
                                                                                  "https://example.com/second-id"]
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await db.dispose()
