"""Messaging tests run on a server (and database) of their own whose senders are not throttled
(the rate-limit tests set their own pace per number), so that bulk sends finish quickly."""

from collections.abc import Iterator
import random
import time
from typing import Any, Callable

import pytest

from tests.conftest import _new_database
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.messaging.receiver import Receiver
from tests.numbers.test_search_buy import search

FAST = {"longcode": 10_000.0, "tollfree": 10_000.0, "shortcode": 10_000.0, "international": 10_000.0}


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server on a database of its own: two servers on one database would both dispatch its
    messages, each to its own simulated phones."""
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    with _new_database(kind, tmp_path_factory.mktemp("msgdb")) as url:
        live = LiveServer(url, data_dir=tmp_path_factory.mktemp("msgdata"), sms_mps=dict(FAST))
        live.start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture
def receiver(account: MainAccount) -> Iterator[Receiver]:
    with Receiver(account.auth_token) as running:
        yield running


def buy(client: RecordingClient, country: str = "US", **filters: object) -> str:
    number = search(client, country, limit=1, services="sms", **filters)[0].number
    client.numbers.buy(number)
    return number


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "condition not reached in time"
            return value
        time.sleep(0.05)


def handset() -> str:
    """A simulated handset number no other test uses (phones live as long as the server)."""
    return f"1415{random.randint(2_000_000, 9_999_999)}"
