"""kill -9 of a real ``switchboard serve`` while calls end and are charged loses no charge and
makes none twice: afterwards every closed call record has exactly one ledger row, of its
``total_amount``, the account's ``cash_credits`` is minus their sum, and a record the kill left
open has no charge (it is charged when it is closed)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard.billing.models import LedgerEntry
from tests.voice.customer_app import CustomerApp
from tests.webhooks.receivers import eventually
from tests.webhooks.test_crash import AUTH_ID, AUTH_TOKEN, Serve

CALLS = 160


def ledger(database_url: str) -> list[LedgerEntry]:
    async def read() -> list[LedgerEntry]:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(select(LedgerEntry).where(LedgerEntry.account_id == AUTH_ID))
                return [LedgerEntry(**row._mapping) for row in rows]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def completed_calls(base: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    with httpx.Client(base_url=base, auth=(AUTH_ID, AUTH_TOKEN), timeout=30) as http:
        while True:
            page = http.get(f"/v1/Account/{AUTH_ID}/Call/", params={"limit": 20, "offset": len(records)}).json()
            records += page["objects"]
            if not page["meta"]["next"]:
                return records


@pytest.mark.slow
def test_kill_9_while_calls_are_charged_loses_and_doubles_no_charge(empty_database: str, tmp_path: Path) -> None:
    customer = CustomerApp()
    customer.route("/answer", lambda params: f'<Response><Wait length="{params["seconds"]}"/></Response>')
    customer.route("/hangup", "")
    server = Serve(empty_database, tmp_path / "data")
    server.command += ["--clock", "virtual", "--outbound-cps", "20"]
    server.start()
    try:
        def place(index: int) -> None:
            try:
                httpx.post(f"{server.base}/v1/Account/{AUTH_ID}/Call/", auth=(AUTH_ID, AUTH_TOKEN), timeout=30, json={
                    "from": "14155563000", "to": f"1415556{4000 + index}",
                    "answer_url": customer.url(f"/answer?seconds={5 + index % 130}"), "hangup_url": customer.url("/hangup")})
            except httpx.TransportError:
                pass  # cut off by the kill

        with ThreadPoolExecutor(8) as pool:
            placed = [pool.submit(place, index) for index in range(CALLS)]
            assert eventually(lambda: len(customer.requests_to("/hangup")) >= CALLS // 4, timeout=120), "calls did not end"
            server.kill9()
            for future in placed:
                future.result()
        ended_before_kill = len(customer.requests_to("/hangup"))
        server.start()
        records = completed_calls(server.base)
        open_uuids = {hit.params["CallUUID"] for hit in customer.requests_to("/answer")} - {r["call_uuid"] for r in records}
        print(f"\n{ended_before_kill} calls ended before kill -9; {len(records)} closed records, {len(open_uuids)} left open")
        assert len(records) < CALLS and open_uuids, "the kill came after every call had ended; nothing was tested"

        rows = ledger(empty_database)
        charged = {row.resource_id: row.amount for row in rows if row.resource_type == "call"}
        assert len(charged) == len([row for row in rows if row.resource_type == "call"]), "a call was charged twice"
        assert charged == {r["call_uuid"]: -Decimal(r["total_amount"]) for r in records}
        assert not open_uuids & set(charged), "a call whose record the kill left open was charged"
        with httpx.Client(base_url=server.base, auth=(AUTH_ID, AUTH_TOKEN)) as http:
            cash = Decimal(http.get(f"/v1/Account/{AUTH_ID}/").json()["cash_credits"])
        assert cash == sum(charged.values()) < 0
    finally:
        server.stop()
        customer.stop()
