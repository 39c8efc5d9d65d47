"""A kill -9 in the middle of a 5,000-message bulk send, then a restart: every accepted message
ends in exactly one final state, with exactly one final status callback generated for it, and
every message sent is charged exactly once.

Runs real ``switchboard serve`` processes on a fresh database of the session's backend."""

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.helpers import free_port
from tests.messaging.receiver import Receiver
from tests.test_cli import SWITCHBOARD

AUTH_ID = "MADURABLE0000000KILL"
TOKEN = "durability-test-token-0001"
BATCHES, PER_BATCH = 5, 1000
FINAL = ("delivered", "undelivered", "failed")


def start(database_url: str, data_dir: Path, port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [SWITCHBOARD, "serve", "--port", str(port), "--data-dir", str(data_dir), "--database-url", database_url,
         "--sms-mps", "longcode=1500", "--log-level", "warning"],
        env={**os.environ, "SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/Account/{AUTH_ID}/", auth=(AUTH_ID, TOKEN), timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "switchboard serve exited during start-up"
        time.sleep(0.1)
    raise AssertionError("switchboard serve did not start")


async def state_counts(database_url: str) -> dict[str, int]:
    """Messages per state in the database, read directly (the server is down)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT message_state, count(*) FROM messages GROUP BY message_state"))
            return {state: count for state, count in rows.all()}
    finally:
        await engine.dispose()


async def charge_problems(database_url: str) -> list[str]:
    """Messages sent but not charged once, charged but never sent, or whose ``total_amount``
    differs from their charge (the server is down)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(
                "SELECT m.message_uuid, m.sent_time IS NOT NULL, m.total_amount, count(l.entry_id), sum(l.amount) "
                "FROM messages m LEFT JOIN billing_ledger l ON l.idempotency_key = 'message:' || m.message_uuid "
                "GROUP BY m.message_uuid, m.sent_time, m.total_amount"))
            problems = []
            for uuid, sent, total, charges, charged in rows.all():
                expected = round(float(total) * 100_000) if sent else 0
                if charges != (1 if sent else 0) or -(charged or 0) != expected:
                    problems.append(f"{uuid}: sent {bool(sent)}, total_amount {total}, {charges} charges of {charged}")
            return problems
    finally:
        await engine.dispose()


def states(http: httpx.Client) -> dict[str, int]:
    counts = {}
    for state in ("queued", "sent", *FINAL):
        response = http.get(f"/v1/Account/{AUTH_ID}/Message/", params={"message_state": state, "limit": 1})
        counts[state] = response.json()["meta"]["total_count"]
    return counts


@pytest.mark.slow
def test_kill_9_during_bulk_send_then_restart(empty_database: str, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(empty_database, tmp_path, port)
    with Receiver(TOKEN) as receiver, httpx.Client(base_url=base, auth=(AUTH_ID, TOKEN), timeout=30) as http:
        try:
            found = http.get(f"/v1/Account/{AUTH_ID}/PhoneNumber/", params={"country_iso": "US", "services": "sms", "limit": 1})
            src = found.json()["objects"][0]["number"]
            assert http.post(f"/v1/Account/{AUTH_ID}/PhoneNumber/{src}/", json={}).status_code in (200, 201)
            accepted: list[str] = []
            failed_requests: list[str] = []

            def send_all() -> None:
                for batch in range(BATCHES):
                    dst = "<".join(f"1415{batch}{i:06d}" for i in range(PER_BATCH))
                    try:
                        response = httpx.post(f"{base}/v1/Account/{AUTH_ID}/Message/", auth=(AUTH_ID, TOKEN), timeout=30,
                                              json={"src": src, "dst": dst, "text": f"bulk {batch}", "url": receiver.url("/status")})
                        accepted.extend(response.json()["message_uuid"])
                    except (httpx.HTTPError, ValueError, KeyError) as exc:
                        failed_requests.append(repr(exc))

            sender = threading.Thread(target=send_all)
            sender.start()
            while len(accepted) < (BATCHES - 1) * PER_BATCH and sender.is_alive():
                time.sleep(0.01)
            time.sleep(0.05)  # the last batch is on its way, earlier ones are being dispatched
            process.send_signal(signal.SIGKILL)
            process.wait()
            before = {c.params.get("MessageUUID") for c in receiver.callbacks[:] if c.params.get("Status") in FINAL}
            at_kill = asyncio.run(state_counts(empty_database))
            sender.join()
            assert len(accepted) >= (BATCHES - 1) * PER_BATCH
            process = start(empty_database, tmp_path, port)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                counts = states(http)
                if counts["queued"] == counts["sent"] == 0:
                    break
                time.sleep(0.5)
            counts = states(http)
            stored = sum(counts.values())
            assert counts["queued"] == counts["sent"] == 0, counts
            assert stored >= len(accepted) and stored % PER_BATCH == 0
            finals: dict[str, set[str]] = defaultdict(set)
            final_ids: dict[str, set[str]] = defaultdict(set)
            sent_ids: dict[str, set[str]] = defaultdict(set)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                for callback in receiver.callbacks[:]:
                    if "MessageUUID" not in callback.params or "Status" not in callback.params:
                        continue  # a request cut off by the kill
                    uuid, status = callback.params["MessageUUID"], callback.params["Status"]
                    notification = callback.headers.get("X-Switchboard-Webhook-Id", "")
                    if status in FINAL:
                        finals[uuid].add(status)
                        final_ids[uuid].add(notification)
                    elif status == "sent":
                        sent_ids[uuid].add(notification)
                if len(finals) >= stored:
                    break
                time.sleep(0.5)
            assert set(accepted) <= set(finals), f"{len(set(accepted) - set(finals))} accepted messages have no final callback"
            assert len(finals) == stored
            assert all(len(seen) == 1 for seen in finals.values()), "a message reached two final states"
            assert all(len(ids) == 1 for ids in final_ids.values()), "a final callback was generated twice"
            assert all(len(ids) <= 1 for ids in sent_ids.values()), "a message was marked sent twice"
            assert all(c.signature_ok for c in receiver.callbacks[-200:])
            assert at_kill.get("queued", 0) + at_kill.get("sent", 0) > 0, f"the kill came after the work was done: {at_kill}"
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)
            problems = asyncio.run(charge_problems(empty_database))
            assert problems == [], f"{len(problems)} messages not charged exactly once: {problems[:5]}"
            print(f"kill -9 result: accepted {len(accepted)}, in the database at the kill {at_kill}, "
                  f"final callbacks received before the kill {len(before)}, stored {stored}, states after restart {counts}, "
                  f"callbacks received {len(receiver.callbacks)} (deliveries of the same notification again: "
                  f"{len(receiver.callbacks) - len({c.headers.get('X-Switchboard-Webhook-Id') for c in receiver.callbacks})}), "
                  f"failed requests {failed_requests}")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
