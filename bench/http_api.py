"""HTTP API benchmark: one `switchboard serve` process, load from a separate process on loopback.

Scenarios: authenticated `GET Account/`, and `POST Subaccount/` followed by `GET Subaccount/{id}/`.
Prints one line per scenario and database, and a Markdown table for docs/benchmarks.md.

    .venv/bin/python bench/http_api.py [--seconds 10] [--connections 32] [--postgres URL]
"""

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
AUTH_ID = "MABENCH0000000000001"
AUTH_TOKEN = "bench-token-000000000001"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str | None, data_dir: str, port: int) -> subprocess.Popen:
    command = [str(BIN / "switchboard"), "serve", "--port", str(port), "--data-dir", data_dir, "--log-level", "warning"]
    if database_url:
        command += ["--database-url", database_url]
    env = {**os.environ, "SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": AUTH_TOKEN}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if "auth_token:" in line:
            break
    else:
        raise RuntimeError("server did not start")
    import time

    time.sleep(0.5)
    return process


def load(port: int, scenario: str, connections: int, seconds: float) -> dict:
    command = [
        sys.executable, str(HERE / "loadgen.py"), "--port", str(port), "--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN,
        "--scenario", scenario, "--connections", str(connections), "--seconds", str(seconds),
    ]  # fmt: skip
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL URL to benchmark too (a fresh throw-away database is used); '' to skip")  # fmt: skip
    args = parser.parse_args()
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgres:
        backends.append(("postgresql", args.postgres))
    rows = []
    print(f"machine: {machine()}")
    for name, url in backends:
        with tempfile.TemporaryDirectory() as data_dir, _database(url) as database_url:
            port = free_port()
            server = start_server(database_url, data_dir, port)
            try:
                for scenario in ("get-account", "create-get-subaccount"):
                    load(port, scenario, args.connections, 2)  # warm-up
                    result = load(port, scenario, args.connections, args.seconds)
                    print(json.dumps({"database": name, **result}))
                    rows.append((name, result))
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(timeout=15)
    print("\n| database | scenario | connections | requests/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(
            f"| {name} | {r['scenario']} | {r['connections']} | {r['requests_per_second']} | "
            f"{r['iteration_p50_ms']} | {r['iteration_p99_ms']} | {r['errors']} |"
        )


class _database:
    """A fresh PostgreSQL database for the run (dropped after), or None for SQLite."""

    def __init__(self, url: str | None):
        self.url = url
        self.name: str | None = None

    def __enter__(self) -> str | None:
        if self.url is None:
            return None
        import uuid

        from sqlalchemy.engine import make_url

        self.name = f"sb_bench_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        return make_url(self.url).set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        if self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        import asyncio

        import asyncpg
        from sqlalchemy.engine import make_url

        url = make_url(self.url or "")

        async def run() -> None:
            conn = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, database=url.database)
            try:
                await conn.execute(statement)
            finally:
                await conn.close()

        asyncio.run(run())


if __name__ == "__main__":
    main()
