"""Two parts of one inbound message stored at the same moment by two transactions."""

import asyncio
from datetime import datetime, timezone

import pytest

from switchboard.core.db import Database
from switchboard.messaging.inbound import reassemble
from switchboard.network.connector import InboundSms, PartInfo


def _part(seqnum: int, text: str) -> InboundSms:
    return InboundSms(src="447700900123", dst="14155550100", text=text, part=PartInfo(reference=7, total=2, seqnum=seqnum))


async def _race(url: str) -> tuple[str | None, str | None]:
    db = Database(url)
    await db.migrate()
    now = datetime.now(timezone.utc)
    try:
        async with db.session() as first, db.session() as second:
            first_result = await reassemble(first, _part(1, "Hello, "), now)  # not committed yet
            second_task = asyncio.create_task(reassemble(second, _part(2, "world"), now))
            await asyncio.sleep(0.2)  # let the second transaction reach the point where it would miss the first part
            await first.commit()
            second_result = await second_task
            await second.commit()
        return first_result, second_result
    finally:
        await db.dispose()


def test_concurrent_parts_do_not_miss_each_other(empty_database: str) -> None:
    if not empty_database.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time, so the race cannot happen there")
    first, second = asyncio.run(_race(empty_database))
    assert first is None
    assert second == "Hello, world"
