"""Messaging benchmark: one `switchboard serve` process; the load generator and a callback
receiver (asyncio, raw HTTP/1.1 keep-alive) in this process, on loopback.

Measures, per database:
- accepted messages/s through `POST Message/` (bulk requests of --bulk destinations, and
  single-destination requests), each request answered only after its messages are stored;
- delivered messages/s through the simulated carrier with status callbacks on: from the first
  request until the receiver has the `delivered` callback of every message (3 callbacks each:
  queued, sent, delivered), so the figure includes the webhook fan-out.
Senders are not paced (--sms-mps longcode=1000000): this measures the pipeline, not the US rules.

    .venv/bin/python bench/messaging.py [--messages 20000] [--bulk 100] [--connections 8] [--callbacks off|on|both]
        [--billing on|off|both|prepaid|all] [--postgres URL]
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    AUTH_ID, AUTH_TOKEN, BILLING_MODES, add_billing_option, add_postgres_option, backends, billing_options, free_port, machine,
    make_prepaid, start_server, throwaway_database,
)


class CallbackReceiver:
    """Counts status callbacks; answers 200 to everything."""

    def __init__(self, *, timed: bool = False) -> None:
        self.statuses: dict[str, int] = {}
        self.delivered = asyncio.Event()
        self.expect = 0
        self.port = 0
        self.arrivals: dict[str, float] | None = {} if timed else None
        """With ``timed``: when each message's ``delivered`` callback arrived (``perf_counter``), by MessageUUID."""

    async def start(self) -> None:
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                fields = body.split(b"&")
                status = next((part[7:].decode() for part in fields if part.startswith(b"Status=")), "?")
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if self.arrivals is not None and status == "delivered":
                    uuid = next((part[12:].decode() for part in fields if part.startswith(b"MessageUUID=")), "?")
                    self.arrivals[uuid] = time.perf_counter()
                if self.statuses.get("delivered", 0) >= self.expect > 0:
                    self.delivered.set()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def delivered_count(http: httpx.AsyncClient, base: str) -> int:
    response = await http.get(f"{base}/Message/", params={"message_state": "delivered", "limit": 1})
    return response.json()["meta"]["total_count"]


async def run(port: int, messages: int, bulk: int, connections: int, callbacks: bool) -> dict:
    base = f"http://127.0.0.1:{port}/v1/Account/{AUTH_ID}"
    receiver = CallbackReceiver()
    await receiver.start()
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(auth=(AUTH_ID, AUTH_TOKEN), timeout=120, limits=limits) as http:
        found = await http.get(f"{base}/PhoneNumber/", params={"country_iso": "US", "services": "sms", "limit": 1})
        src = found.json()["objects"][0]["number"]
        await http.post(f"{base}/PhoneNumber/{src}/", json={})
        url = f"http://127.0.0.1:{receiver.port}/status" if callbacks else ""
        counter = iter(range(10**9))

        async def worker(requests: int, size: int) -> int:
            accepted = 0
            for _ in range(requests):
                dst = "<".join(f"1415{next(counter) % 10**7:07d}" for _ in range(size))
                response = await http.post(f"{base}/Message/", json={"src": src, "dst": dst, "text": "benchmark message", "url": url})
                accepted += len(response.json()["message_uuid"])
            return accepted

        receiver.expect = messages
        started = time.perf_counter()
        per_worker = messages // bulk // connections
        accepted = sum(await asyncio.gather(*(worker(per_worker, bulk) for _ in range(connections))))
        accept_seconds = time.perf_counter() - started
        receiver.expect = accepted
        while await delivered_count(http, base) < accepted:
            await asyncio.sleep(0.1)
        deliver_seconds = time.perf_counter() - started
        if callbacks:
            await asyncio.wait_for(receiver.delivered.wait(), timeout=1800)
        callback_seconds = time.perf_counter() - started
        singles = min(2000, messages // 5)
        single_started = time.perf_counter()
        single_accepted = sum(await asyncio.gather(*(worker(singles // connections, 1) for _ in range(connections))))
        single_seconds = time.perf_counter() - single_started
    return {
        "callbacks_on": callbacks, "bulk": bulk, "connections": connections, "messages": accepted,
        "accepted_per_second": round(accepted / accept_seconds), "delivered_per_second": round(accepted / deliver_seconds),
        "single_destination_accepted_per_second": round(single_accepted / single_seconds),
        "delivered_callbacks_received_per_second": round(accepted / callback_seconds) if callbacks else None,
        "callbacks": dict(receiver.statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--bulk", type=int, default=100)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--callbacks", choices=("off", "on", "both"), default="both")
    add_billing_option(parser)
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows = []
    for name, url in backends(args.postgres):
        for callbacks in {"off": (False,), "on": (True,), "both": (False, True)}[args.callbacks]:
            for billing in BILLING_MODES[args.billing]:  # each configuration on a fresh database and server
                with tempfile.TemporaryDirectory() as data_dir, throwaway_database(url) as database_url:
                    port = free_port()
                    server = start_server(database_url, data_dir, port, "--sms-mps", "longcode=1000000", *billing_options(billing))
                    try:
                        if billing == "prepaid":
                            make_prepaid(database_url, data_dir)
                        load = os.getloadavg()[0]
                        result = asyncio.run(run(port, args.messages, args.bulk, args.connections, callbacks))
                        result["billing"] = billing
                        result["load_average"] = f"{load:.1f}-{os.getloadavg()[0]:.1f}"
                    finally:
                        server.send_signal(signal.SIGINT)
                        server.wait(timeout=60)
                print(json.dumps({"database": name, **result}), flush=True)
                rows.append((name, result))
    print("\n| database | status callbacks | billing | messages | bulk size | connections | accepted/s (bulk) | "
          "accepted/s (1 dst per request) | delivered/s | delivered callbacks received/s | load average |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {'on' if r['callbacks_on'] else 'off'} | {r['billing']} | {r['messages']} | {r['bulk']} | {r['connections']} | "
              f"{r['accepted_per_second']} | {r['single_destination_accepted_per_second']} | {r['delivered_per_second']} | "
              f"{r['delivered_callbacks_received_per_second'] or '–'} | {r['load_average']} |")


if __name__ == "__main__":
    main()
