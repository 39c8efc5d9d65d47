"""Logs pages on a big account: filtered, paged lists of calls and messages and the overview chart.

Loads ``--rows`` call records and as many messages (default 1,000,000 each) for the benchmark's
main account, spread over the last 90 days (PostgreSQL: one ``INSERT ... SELECT`` over ``generate_series`` per table; SQLite: multi-row inserts), then
signs in to the console of one `switchboard serve` process on loopback and requests each page
``--requests`` times, one at a time, after a warm-up. The latency of each request is measured at
the client on loopback, so it is the server's time plus the loopback round trip. The first request
of each page is reported apart (``first ms``): the overview's chart counts the days before today
once per process and keeps them.

    .venv/bin/python bench/console_logs.py [--rows 1000000] [--requests 200] [--postgres URL | --postgres '']
        [--sqlite]

Prints one JSON line per database and page and a Markdown table for docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import random
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    AUTH_ID, AUTH_TOKEN, add_postgres_option, free_port, machine, markdown_table, start_server, throwaway_database,
)

DAYS = 90
BATCH = 20_000
NUMBERS = [f"1415555{index:04d}" for index in range(2000)]


def pages(now: datetime) -> dict[str, str]:
    week = (now - timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "calls, first page": "/logs/calls",
        "calls, inbound, page 3": "/logs/calls?call_direction=inbound&offset=40",
        "calls, bill_duration >= 300, last 7 days": f"/logs/calls?bill_duration__gte=300&end_time__gte={week}",
        "calls, from_number": f"/logs/calls?from_number={NUMBERS[7]}",
        "calls, hangup cause 4000 + outbound": "/logs/calls?hangup_cause_code=4000&call_direction=outbound",
        "messages, first page": "/logs/messages",
        "messages, failed": "/logs/messages?message_state=failed",
        "messages, to_number, last 7 days": f"/logs/messages?to_number={NUMBERS[11]}&message_time__gte={week}",
        "overview (14-day chart)": "/",
    }


def _spread(index: int, rows: int, now: datetime) -> datetime:
    return now - timedelta(seconds=DAYS * 86400 * (rows - index) / rows)


def call_rows(rows: int, now: datetime, rng: random.Random) -> Iterator[dict[str, Any]]:
    for index in range(rows):
        end = _spread(index, rows, now)
        duration = rng.randrange(0, 600)
        cause = 4000 if rng.random() < 0.8 else rng.choice((3000, 3010, 5010))
        yield {
            "call_uuid": str(uuid4()), "request_uuid": str(uuid4()), "account_id": AUTH_ID, "sub_account_id": None,
            "direction": "inbound" if index % 2 else "outbound", "from_number": rng.choice(NUMBERS),
            "to_number": rng.choice(NUMBERS), "caller_name": "", "status": "completed", "parent_call_uuid": None,
            "answer_url": "", "initiation_time": end - timedelta(seconds=duration + 5),
            "answer_time": end - timedelta(seconds=duration), "end_time": end, "call_duration": duration,
            "bill_duration": duration, "billed_duration": 60 * -(-duration // 60), "hangup_cause_code": cause,
            "hangup_cause_name": "Normal Hangup", "hangup_cause": "NORMAL_CLEARING", "hangup_source": "Callee",
            "total_rate": Decimal("0.00850"), "total_amount": Decimal("0.00850"), "stir_attestation": "",
            "source_ip": "", "conference_uuid": None,
        }


def message_rows(rows: int, now: datetime, rng: random.Random) -> Iterator[dict[str, Any]]:
    for index in range(rows):
        when = _spread(index, rows, now)
        failed = rng.random() < 0.03
        yield {
            "message_uuid": str(uuid4()), "account_id": AUTH_ID, "sub_account_id": None,
            "message_direction": "inbound" if index % 3 == 0 else "outbound", "message_type": "sms",
            "message_state": "failed" if failed else "delivered", "from_number": rng.choice(NUMBERS),
            "to_number": rng.choice(NUMBERS), "text": f"Your code is {rng.randrange(10**6):06d}", "encoding": "GSM",
            "units": 1, "total_rate": Decimal("0.00500"), "total_amount": Decimal("0.00500"),
            "error_code": 30 if failed else None, "url": "", "method": "POST", "log": True, "powerpack_uuid": None,
            "destination_country_iso2": "US", "message_intent": "", "requester_ip": "", "message_time": when,
            "sent_time": when, "delivery_time": when, "updated_time": when, "sequence": 2, "dispatch_at": None,
            "attempts": 1, "connector": "sim", "carrier_message_id": None,
        }


# PostgreSQL makes the rows itself (one INSERT ... SELECT over generate_series per table): the same
# shapes as call_rows()/message_rows() below, which SQLite is loaded with.
PG_CALLS = """
INSERT INTO calls (call_uuid, request_uuid, account_id, direction, from_number, to_number, caller_name, status,
  answer_url, initiation_time, answer_time, end_time, call_duration, bill_duration, billed_duration,
  hangup_cause_code, hangup_cause_name, hangup_cause, hangup_source, total_rate, total_amount, stir_attestation, source_ip)
SELECT gen_random_uuid()::text, gen_random_uuid()::text, $1, CASE WHEN i % 2 = 1 THEN 'inbound' ELSE 'outbound' END,
  '1415555' || lpad(((hashint4(i) & 2047) % 2000)::text, 4, '0'), '1415555' || lpad(((hashint4(i + 7) & 2047) % 2000)::text, 4, '0'),
  '', 'completed', '', t - make_interval(secs => d + 5), t - make_interval(secs => d), t, d, d, 60 * ((d + 59) / 60),
  CASE WHEN i % 5 = 0 THEN 3000 ELSE 4000 END, 'Normal Hangup', 'NORMAL_CLEARING', 'Callee', 0.0085, 0.0085, '', ''
FROM (SELECT i, $2::timestamptz - make_interval(secs => $3 * ($4 - i)::float8 / $4) AS t, (hashint4(i + 3) & 1023) % 600 AS d
      FROM generate_series(0, $4 - 1) AS i) AS made
"""
PG_MESSAGES = """
INSERT INTO messages (message_uuid, account_id, message_direction, message_type, message_state, from_number, to_number,
  text, encoding, units, total_rate, total_amount, error_code, url, method, log, destination_country_iso2,
  message_intent, requester_ip, message_time, sent_time, delivery_time, updated_time, sequence, attempts, connector)
SELECT gen_random_uuid()::text, $1, CASE WHEN i % 3 = 0 THEN 'inbound' ELSE 'outbound' END, 'sms',
  CASE WHEN f THEN 'failed' ELSE 'delivered' END, '1415555' || lpad(((hashint4(i) & 2047) % 2000)::text, 4, '0'),
  '1415555' || lpad(((hashint4(i + 7) & 2047) % 2000)::text, 4, '0'), 'Your code is ' || lpad((i % 1000000)::text, 6, '0'),
  'GSM', 1, 0.005, 0.005, CASE WHEN f THEN 30 END, '', 'POST', true, 'US', '', '', t, t, t, t, 2, 1, 'sim'
FROM (SELECT i, $2::timestamptz - make_interval(secs => $3 * ($4 - i)::float8 / $4) AS t, (hashint4(i + 5) & 1023) < 31 AS f
      FROM generate_series(0, $4 - 1) AS i) AS made
"""


async def load(database_url: str, rows: int, now: datetime) -> float:
    """Write the rows; returns the seconds it took."""
    from sqlalchemy import text

    from switchboard.core.db import Database
    from switchboard.messaging.models import Message
    from switchboard.voice.models import CallRecord

    rng = random.Random(19)
    started = time.perf_counter()
    db = Database(database_url)
    postgres = db.engine.dialect.name == "postgresql"
    try:
        for model, produce in ((CallRecord, call_rows), (Message, message_rows)):
            if postgres:
                async with db.engine.connect() as conn:
                    driver = (await conn.get_raw_connection()).driver_connection
                    await driver.execute(PG_CALLS if model is CallRecord else PG_MESSAGES, AUTH_ID, now, DAYS * 86400.0, rows)
                    await conn.commit()
                continue
            table = model.__table__
            batch: list[dict[str, Any]] = []
            for row in produce(rows, now, rng):
                batch.append(row)
                if len(batch) == BATCH:
                    await _write(db, table, batch)
                    batch = []
            if batch:
                await _write(db, table, batch)
        async with db.engine.connect() as conn:
            if db.engine.dialect.name == "postgresql":
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE calls"))
                await conn.execute(text("VACUUM ANALYZE messages"))
            else:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
    finally:
        await db.dispose()
    return time.perf_counter() - started


async def _write(db: Any, table: Any, batch: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    async with db.engine.begin() as conn:
        await conn.execute(insert(table), batch)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def signed_in(base_url: str) -> httpx.Client:
    http = httpx.Client(base_url=base_url, timeout=60)
    token = re.search(r'name="csrftoken" value="([^"]+)"', http.get("/login").text)
    assert token, "no CSRF token on the sign-in page"
    answer = http.post("/login", data={"auth_id": AUTH_ID, "auth_token": AUTH_TOKEN, "csrftoken": token.group(1)})
    assert answer.status_code == 303, answer.text
    return http


def measure(http: httpx.Client, path: str, requests: int) -> dict[str, Any]:
    started = time.perf_counter()
    http.get(path).raise_for_status()
    first = (time.perf_counter() - started) * 1000
    for _ in range(min(5, requests)):
        http.get(path).raise_for_status()
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        response = http.get(path)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    total = re.search(r"of (more than [\d,]+|\d+)</span>", response.text)
    return {"requests": requests, "p50_ms": round(percentile(latencies, 0.5), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1), "max_ms": round(max(latencies), 1), "first_ms": round(first, 1),
            "matches": total.group(1) if total else None}


def run(name: str, admin_url: str | None, rows: int, requests: int) -> list[dict[str, Any]]:
    from switchboard.core.db import sqlite_url

    results = []
    with tempfile.TemporaryDirectory() as data_dir, throwaway_database(admin_url) as database_url:
        port = free_port()
        server = start_server(database_url, data_dir, port, output=True)
        log: list[str] = []
        drain = threading.Thread(target=lambda: log.extend(server.stdout), daemon=True)  # type: ignore[arg-type]
        drain.start()
        try:
            now = datetime.now(timezone.utc)
            seconds = asyncio.run(load(database_url or sqlite_url(Path(data_dir)), rows, now))
            print(json.dumps({"database": name, "loaded_rows": 2 * rows, "load_seconds": round(seconds, 1)}), flush=True)
            http = signed_in(f"http://127.0.0.1:{port}")
            try:
                for label, path in pages(now).items():
                    result = {"database": name, "page": label, **measure(http, path, requests)}
                    print(json.dumps(result), flush=True)
                    results.append(result)
            finally:
                http.close()
        except httpx.HTTPStatusError:
            print("".join(log[-60:]), file=sys.stderr)
            raise
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="call records, and as many messages")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--sqlite", action="store_true", help="also run on SQLite")
    add_postgres_option(parser)
    args = parser.parse_args()
    databases = ([("sqlite", None)] if args.sqlite or not args.postgres else []) + (
        [("postgresql", args.postgres)] if args.postgres else [])
    results = [result for name, url in databases for result in run(name, url, args.rows, args.requests)]
    print(f"\nMachine: {machine()}; {args.rows:,} call records and {args.rows:,} messages\n")
    columns = ["database", "page", "requests", "matches", "first_ms", "p50_ms", "p95_ms", "max_ms"]
    print(markdown_table([name.replace("_ms", " ms") for name in columns],
                         [[result[name] for name in columns] for result in results]))


if __name__ == "__main__":
    main()
