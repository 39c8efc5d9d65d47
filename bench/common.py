"""What every benchmark shares: the credentials, a `switchboard serve` process, a throw-away
PostgreSQL database, free ports and a description of the machine."""

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType

import httpx

BIN = Path(sys.executable).parent
AUTH_ID = "MABENCH0000000000001"
AUTH_TOKEN = "bench-token-000000000001"
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    database_url: str | None, data_dir: str, port: int, *options: str, output: bool = False
) -> subprocess.Popen:
    """`switchboard serve` on ``port`` with the benchmark's main account, once it answers. With
    ``output`` its stdout and stderr come through a pipe that the caller must keep reading."""
    command = [str(BIN / "switchboard"), "serve", "--port", str(port), "--data-dir", data_dir, "--log-level", "warning", *options]
    if database_url:
        command += ["--database-url", database_url]
    env = {**os.environ, "SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": AUTH_TOKEN}
    sink = subprocess.PIPE if output else subprocess.DEVNULL
    process = subprocess.Popen(
        command, env=env, stdout=sink, stderr=subprocess.STDOUT if output else subprocess.DEVNULL, text=output
    )
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"switchboard serve exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/Account/{AUTH_ID}/", auth=(AUTH_ID, AUTH_TOKEN), timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("switchboard serve did not answer in 60 s")


BILLING_MODES = {"on": ("on",), "off": ("off",), "both": ("off", "on"), "prepaid": ("prepaid",), "all": ("off", "on", "prepaid")}
CREDENTIAL_CACHE_SECONDS = 5.0


def add_billing_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--billing", choices=tuple(BILLING_MODES), default="on",
                        help="on: charge messages (the account is postpaid); off: `serve --no-billing`; prepaid: "
                             "the account is made prepaid with ample credit, so each batch reads its balance; "
                             "both: off and on; all: off, on and prepaid")  # fmt: skip


def billing_options(mode: str) -> tuple[str, ...]:
    """The `switchboard serve` options of a billing mode."""
    return ("--no-billing",) if mode == "off" else ()


def make_prepaid(database_url: str | None, data_dir: str, credit: str = "1000000") -> None:
    """Make the benchmark's (running) main account prepaid with ``credit``, then wait until the
    server's credential cache, which holds the billing mode, has let go of the old one."""
    from decimal import Decimal

    from sqlalchemy import update

    from switchboard.accounts.models import Account
    from switchboard.billing.service import add_credit
    from switchboard.core.clock import Clock
    from switchboard.core.db import Database, sqlite_url

    async def run() -> None:
        db = Database(database_url or sqlite_url(Path(data_dir)))
        try:
            async with db.session() as session:
                await session.execute(update(Account).where(Account.auth_id == AUTH_ID).values(billing_mode="prepaid"))
                await session.commit()
                await add_credit(session, Clock(), AUTH_ID, Decimal(credit))
        finally:
            await db.dispose()

    asyncio.run(run())
    time.sleep(CREDENTIAL_CACHE_SECONDS + 0.5)


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


def add_postgres_option(parser: argparse.ArgumentParser, default: str | None = POSTGRES) -> None:
    parser.add_argument("--postgres", default=default,
                        help="PostgreSQL URL to benchmark too (a fresh throw-away database is used); '' to skip")  # fmt: skip


def backends(postgres: str | None) -> list[tuple[str, str | None]]:
    """``(name, admin URL)`` for each database to run on: SQLite, and PostgreSQL when given."""
    return [("sqlite", None)] + ([("postgresql", postgres)] if postgres else [])


class throwaway_database:
    """A fresh PostgreSQL database next to ``url`` for one run (dropped after); None for SQLite."""

    def __init__(self, url: str | None):
        self.url = url
        self.name: str | None = None

    def __enter__(self) -> str | None:
        if self.url is None:
            return None
        from sqlalchemy.engine import make_url

        self.name = f"sb_bench_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        return make_url(self.url).set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
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


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """The rows as a Markdown table for docs/benchmarks.md."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])
