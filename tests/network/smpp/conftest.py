"""SMPP tests: a real SMSC process per test, and a migrated database for the receipt correlation."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from switchboard.core.clock import Clock
from switchboard.core.db import Database
from switchboard.network.connector import DeliveryReceipt, InboundSms
from switchboard.network.smpp.config import SmppConfig
from switchboard.network.smpp.connector import SmppConnector
from tests.network.smpp.peer import SmscPeer


@pytest.fixture
def peer() -> Iterator[SmscPeer]:
    smsc = SmscPeer().start()
    try:
        yield smsc
    finally:
        smsc.kill()


@pytest.fixture
async def database(empty_database: str) -> AsyncIterator[Database]:
    db = Database(empty_database)
    await db.migrate()
    try:
        yield db
    finally:
        await db.dispose()


class Reported:
    """The pipeline's side of the connector interface: records what the connector reports."""

    def __init__(self) -> None:
        self.received: list[DeliveryReceipt] = []
        self.inbound_messages: list[InboundSms] = []
        self.fail_inbound = False

    async def receipts(self, connector: str, receipts: Any) -> None:
        self.received.extend(receipts)

    async def inbound(self, connector: str, message: InboundSms) -> str | None:
        if self.fail_inbound:
            raise RuntimeError("database unavailable")
        self.inbound_messages.append(message)
        return "uuid"


async def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value or loop.time() > deadline:
            assert value, "condition not reached in time"
            return value
        await asyncio.sleep(0.02)


def config(port: int, **overrides: Any) -> SmppConfig:
    values: dict[str, Any] = {"host": "127.0.0.1", "port": port, "system_id": "switchboard", "password": "s3cret",
                              "reconnect_min": 0.2, "reconnect_max": 1.0, "response_timeout": 3.0}
    values.update(overrides)
    return SmppConfig.from_dict(values)


@pytest.fixture
async def connect(database: Database) -> AsyncIterator[Any]:
    """``await connect(port, **settings)`` -> (connector, reported), started; stopped at the end."""
    started: list[SmppConnector] = []

    async def make(port: int, name: str = "smsc", wait: bool = True, **overrides: Any) -> tuple[SmppConnector, Reported]:
        connector = SmppConnector(name, config(port, **overrides), Clock(), database.sessionmaker)
        reported = Reported()
        submit = connector.submit

        async def submit_and_record(messages: Any) -> Any:
            results = await submit(messages)  # a receipt stored before its submit was done comes with the result,
            reported.received.extend(r.receipt for r in results if r.receipt)  # which the pipeline applies at once
            return results

        connector.submit = submit_and_record  # type: ignore[method-assign]
        await connector.start(reported)
        started.append(connector)
        if wait:
            await asyncio.wait_for(connector.up_event.wait(), 15)
        return connector, reported

    yield make
    for connector in started:
        await connector.stop()
