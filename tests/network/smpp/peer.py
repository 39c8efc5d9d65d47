"""Running the SMSC peer (``smsc_peer.py``, on smpp34) as a real process, and scripted raw-socket
SMSCs for what smpp34 cannot be made to do (refuse a bind, say nothing, talk garbage)."""

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from smpplib import smpp

from tests.helpers import free_port

SCRIPT = Path(__file__).with_name("smsc_peer.py")


class SmscPeer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.events: list[dict[str, Any]] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Condition()

    def start(self) -> "SmscPeer":
        self._process = subprocess.Popen([sys.executable, str(SCRIPT), str(self.port)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        threading.Thread(target=self._read, args=(self._process,), daemon=True).start()
        self.wait_for("ready", timeout=15)
        return self

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._lock:
                self.events.append(json.loads(line))
                self._lock.notify_all()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def kill(self) -> None:
        """The SMSC dies (every connection drops at once)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        with self._lock:
            self.events.clear()

    stop = kill

    def command(self, **command: Any) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write((json.dumps(command) + "\n").encode())
        self._process.stdin.flush()

    def set(self, **settings: Any) -> None:
        count = len(self.of("set"))
        self.command(cmd="set", **settings)
        self.wait_for("set", count=count + 1)

    def of(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [event for event in self.events if event["event"] == kind]

    async def until(self, kind: str, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        """:meth:`wait_for` without blocking the event loop (the connector under test runs on it)."""
        return await asyncio.to_thread(self.wait_for, kind, count, timeout)

    def wait_for(self, kind: str, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [event for event in self.events if event["event"] == kind]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"peer: {count} {kind} events expected, {len(found)} seen")
                self._lock.wait(left)


class ScriptedSmsc:
    """An asyncio TCP server playing one misbehaving SMSC: ``refuse`` binds with a status,
    ``silent`` (accepts the connection, never answers), ``garbage`` (answers binds, then sends
    bytes that are no PDU), or ``nack`` (answers binds, then a generic_nack for a sequence the
    ESME never used)."""

    def __init__(self, behaviour: str, status: int = 0x0E):
        self.behaviour = behaviour
        self.status = status
        self.port = free_port()
        self.connections = 0
        self._server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> "ScriptedSmsc":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readexactly(16)
            length = int.from_bytes(head[:4], "big")
            await reader.readexactly(length - 16)
            sequence = int.from_bytes(head[12:16], "big")
            if self.behaviour == "silent":
                await reader.read()  # never answer
                return
            response = smpp.make_pdu("bind_transceiver_resp", client=_Client(), system_id="SCRIPTED")
            response.sequence, response.status = sequence, (self.status if self.behaviour == "refuse" else 0)
            writer.write(response.generate())
            if self.behaviour == "garbage":
                writer.write(b"\xff\xff\xff\xffHELLO this is not SMPP" * 4)
            if self.behaviour == "nack":
                nack = smpp.make_pdu("generic_nack", client=_Client())
                nack.sequence, nack.status = 4242, 0x03
                writer.write(nack.generate())
            await writer.drain()
            await reader.read()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


class _Client:
    sequence = 0

    def next_sequence(self) -> int:
        return 0


def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
