"""A small HTTP/1.1 keep-alive load generator, run as its own process by the benchmarks.

Each of ``--connections`` connections sends its scenario's requests back to back for
``--seconds`` and records every request's latency; the totals are printed as one JSON line.
Written on asyncio streams (with uvloop) because a general-purpose client would be slower than
the server it measures.
"""

import argparse
import asyncio
import base64
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import orjson
import uvloop


class Connection:
    def __init__(self, host: str, port: int, auth: str):
        self.host, self.port = host, port
        self.auth = "Basic " + base64.b64encode(auth.encode()).decode()
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = orjson.dumps(body) if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: {self.auth}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        status_line = await self.reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length) if length else b""


Scenario = Callable[[Connection, str], Awaitable[int]]


async def get_account(conn: Connection, auth_id: str) -> int:
    status, _ = await conn.request("GET", f"/v1/Account/{auth_id}/")
    return status


async def create_then_get_subaccount(conn: Connection, auth_id: str) -> int:
    status, body = await conn.request("POST", f"/v1/Account/{auth_id}/Subaccount/", {"name": "bench", "enabled": True})
    if status != 201:
        return status
    sub = orjson.loads(body)["auth_id"]
    status, _ = await conn.request("GET", f"/v1/Account/{auth_id}/Subaccount/{sub}/")
    return status


SCENARIOS: dict[str, tuple[Scenario, int]] = {
    "get-account": (get_account, 1),
    "create-get-subaccount": (create_then_get_subaccount, 2),
}


async def run(args: argparse.Namespace) -> dict:
    scenario, requests_per_iteration = SCENARIOS[args.scenario]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + args.seconds

    async def worker() -> None:
        nonlocal errors
        conn = Connection(args.host, args.port, f"{args.auth_id}:{args.auth_token}")
        await conn.open()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await scenario(conn, args.auth_id)
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                errors += 1
        conn.writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "scenario": args.scenario,
        "connections": args.connections,
        "seconds": round(elapsed, 2),
        "iterations": len(latencies),
        "requests": len(latencies) * requests_per_iteration,
        "requests_per_second": round(len(latencies) * requests_per_iteration / elapsed),
        "iteration_p50_ms": round(quantiles[49] * 1000, 2),
        "iteration_p99_ms": round(quantiles[98] * 1000, 2),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth-id", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    print(json.dumps(uvloop.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
