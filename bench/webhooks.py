"""Event-notification throughput: ``Webhooks.notify`` to a local receiver in another process.

The webhook service runs as it does in ``switchboard serve`` (same classes, same defaults, a real
database with durability on: every ``notify`` returns only after its row is committed), and sends
to a receiver process on loopback (uvicorn, answering 200 at once). Measured: how fast
notifications are accepted (stored) and how fast they are delivered end to end (from the first
``notify`` until the receiver has every one and the outbox is empty), and the CPU time this
process spent per notification until the receiver had them all (storing, signing, sending,
logging; the database server's and the receiver's CPU are not counted). On a machine shared with
other work the rates fall with the load; the CPU time per notification much less so.

    .venv/bin/python bench/webhooks.py [--count 20000] [--callers 200] [--postgres URL [--no-sqlite]]

The receiver on its own (also used by tests/webhooks/test_crash.py)::

    .venv/bin/python bench/webhooks.py receive --port 9100 [--record ids.txt]

It appends the ``X-Switchboard-Webhook-Id`` of every request to ``--record`` (one per line) and
answers ``GET /count`` with the number of requests so far.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, machine, throwaway_database  # noqa: E402


def receive(port: int, record: str | None) -> None:
    import uvicorn

    sink = open(record, "a", buffering=1) if record else None  # noqa: SIM115 - lives as long as the process
    state = {"count": 0}

    async def app(scope: dict[str, Any], receive_: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while True:
            message = await receive_()
            if not message.get("more_body"):
                break
        if scope["method"] == "GET" and scope["path"] == "/count":
            body = str(state["count"]).encode()
        else:
            state["count"] += 1
            if sink is not None:
                for name, value in scope["headers"]:
                    if name == b"x-switchboard-webhook-id":
                        sink.write(value.decode() + "\n")
            body = b"OK"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


def start_receiver(port: int, record: str | None = None) -> subprocess.Popen:
    command = [sys.executable, __file__, "receive", "--port", str(port)] + (["--record", record] if record else [])
    process = subprocess.Popen(command)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/count", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the receiver did not start")


async def run(database_url: str, count: int, callers: int, receiver_port: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from switchboard.accounts.auth import CredentialCache
    from switchboard.accounts.service import create_main_account
    from switchboard.core.clock import Clock
    from switchboard.core.db import Database
    from switchboard.webhooks import Webhooks
    from switchboard.webhooks.models import WebhookNotification

    db = Database(database_url)
    await db.migrate()
    clock = Clock()
    async with db.session() as session:
        auth_id = (await create_main_account(session, clock, name="bench")).auth_id
    webhooks = Webhooks(db.sessionmaker, clock, CredentialCache(db.sessionmaker), single_node=db.backend == "sqlite")
    await webhooks.start()
    url = f"http://127.0.0.1:{receiver_port}/event"
    counter = iter(range(count))

    async def caller() -> None:
        for number in counter:
            await webhooks.notify(url, {"Event": "Hangup", "CallUUID": f"bench-{number}", "Duration": 42}, account=auth_id,
                                  event="bench")

    async with httpx.AsyncClient() as probe:
        async def delivered() -> int:
            return int((await probe.get(f"http://127.0.0.1:{receiver_port}/count")).text)

        start_count = await delivered()
        began = time.perf_counter()
        cpu_began = time.process_time()
        await asyncio.gather(*(caller() for _ in range(callers)))
        stored = time.perf_counter() - began
        while await delivered() - start_count < count:
            await asyncio.sleep(0.01)
        received = time.perf_counter() - began
        cpu = time.process_time() - cpu_began
        await webhooks.flush()
        async with db.session() as session:
            while await session.scalar(select(func.count()).select_from(WebhookNotification)):
                await asyncio.sleep(0.01)
                await webhooks.flush()
        finished = time.perf_counter() - began
    await webhooks.stop()
    await db.dispose()
    return {
        "database": db.backend, "notifications": count, "callers": callers,
        "stored_per_second": round(count / stored), "delivered_per_second": round(count / received),
        "seconds_until_outbox_empty": round(finished, 2),
        "cpu_ms_per_notification": round(cpu * 1000 / count, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    listen = sub.add_parser("receive", help="run only the receiver")
    listen.add_argument("--port", type=int, required=True)
    listen.add_argument("--record")
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=200, help="concurrent tasks calling notify()")
    parser.add_argument("--postgres", help="also run on a fresh database next to this PostgreSQL URL")
    parser.add_argument("--no-sqlite", action="store_true", help="run on PostgreSQL only")
    args = parser.parse_args()
    if args.command == "receive":
        receive(args.port, args.record)
        return
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    port = free_port()
    receiver = start_receiver(port)
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if not args.no_sqlite:
                results.append(asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.db", args.count, args.callers, port)))
        if args.postgres:
            with throwaway_database(args.postgres) as url:
                assert url is not None
                results.append(asyncio.run(run(url, args.count, args.callers, port)))
    finally:
        receiver.terminate()
        receiver.wait(10)
    for result in results:
        print(json.dumps(result))
    print(f"\nMachine: {machine()}\n")
    print("| database | notifications | callers | stored/s | delivered/s | outbox empty after s | CPU ms per notification |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['database']} | {r['notifications']} | {r['callers']} | {r['stored_per_second']} | "
              f"{r['delivered_per_second']} | {r['seconds_until_outbox_empty']} | {r['cpu_ms_per_notification']} |")


if __name__ == "__main__":
    main()
