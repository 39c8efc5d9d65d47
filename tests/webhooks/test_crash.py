"""kill -9 of a real ``switchboard serve`` during a burst of 10,000 notifications loses none.

The notifications are queued through the ``WebhookTest/`` extension (10 requests of 1,000, each
answered only once its rows are committed). Once all 10,000 are acknowledged, and while the
receiver — a separate process — has seen only a part of them, the server is killed with SIGKILL
and started again on the same database. Every one of the 10,000 must then reach the receiver (at
least once; the duplicates are those that were in flight at the kill).
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port
from tests.webhooks.receivers import eventually

AUTH_ID = "MACRASH0000000000001"
AUTH_TOKEN = "crash-test-token-0001"
REPO = Path(__file__).resolve().parents[2]
BURST, PER_REQUEST = 10_000, 1_000


class Serve:
    def __init__(self, database_url: str, data_dir: Path):
        self.port = free_port()
        self.command = [sys.executable, "-m", "switchboard", "serve", "--port", str(self.port), "--data-dir", str(data_dir),
                        "--log-level", "warning", "--database-url", database_url]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": AUTH_TOKEN}
        self.process = subprocess.Popen(self.command, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
        assert eventually(self.up, timeout=60), "switchboard serve did not come up"

    def up(self) -> bool:
        try:
            return httpx.get(f"{self.base}/v1/Account/{AUTH_ID}/", auth=(AUTH_ID, AUTH_TOKEN), timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    record = tmp_path / "received.txt"
    port = free_port()
    process = subprocess.Popen([sys.executable, str(REPO / "bench" / "webhooks.py"), "receive", "--port", str(port),
                                "--record", str(record)], cwd=REPO)
    try:
        assert eventually(lambda: _reachable(port), timeout=30)
        yield f"http://127.0.0.1:{port}/hangup", record
    finally:
        process.terminate()
        process.wait(30)


def _reachable(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/count", timeout=1)
        return True
    except httpx.TransportError:
        return False


def _received(record: Path) -> list[str]:
    return record.read_text().split() if record.exists() else []


@pytest.mark.slow
def test_kill_9_during_a_burst_loses_no_notification(empty_database: str, tmp_path: Path, receiver: tuple[str, Path]) -> None:
    url, record = receiver
    server = Serve(empty_database, tmp_path / "data")
    server.start()
    acknowledged: set[str] = set()
    try:
        def queue(_: int) -> list[str]:
            try:
                response = httpx.post(f"{server.base}/v1/Account/{AUTH_ID}/WebhookTest/", auth=(AUTH_ID, AUTH_TOKEN),
                                      json={"url": url, "count": PER_REQUEST}, timeout=60)
            except httpx.TransportError:
                return []  # cut off by the kill: not acknowledged, so not promised
            return response.json()["notification_ids"] if response.status_code == 201 else []

        with ThreadPoolExecutor(4) as pool:
            batches = [pool.submit(queue, index) for index in range(BURST // PER_REQUEST)]
            # Kill once the whole burst is acknowledged (stored) while its deliveries are under way:
            # every one of the 10,000 is then promised, and thousands are still in the outbox.
            assert eventually(lambda: all(batch.done() for batch in batches), timeout=120), "the burst was not stored"
            assert eventually(lambda: len(_received(record)) >= 1, timeout=60), "deliveries did not start"
            server.kill9()
            for batch in batches:
                acknowledged.update(batch.result())
        at_kill = set(_received(record))
        assert len(acknowledged) == BURST, "every request of the burst was answered before the kill"
        assert len(at_kill) < len(acknowledged), "the kill came after every delivery; nothing was tested"
        print(f"\nacknowledged {len(acknowledged)}, delivered before kill -9: {len(at_kill)}")

        server.start()
        assert eventually(lambda: acknowledged <= set(_received(record)), timeout=300), (
            f"{len(acknowledged - set(_received(record)))} acknowledged notifications never arrived"
        )
        received = _received(record)
        print(f"after restart: {len(set(received))} distinct delivered, {len(received) - len(set(received))} duplicates")
        assert acknowledged <= set(received)
    finally:
        server.stop()
