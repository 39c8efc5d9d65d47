"""Real HTTP servers on loopback that play customer applications, well-behaved or not.

Each :class:`Receiver` runs a threaded ``http.server`` (HTTP/1.1, keep-alive) and records every
request it gets. The path picks the behaviour:

``/ok``            200 with a small Plivo XML document
``/status/N``      answers status N
``/hang``          reads the request and never answers (until the receiver stops)
``/hold``          waits until :meth:`Receiver.release` is called, then 200 (counts concurrency)
``/reset``         reads the request, then resets the connection (TCP RST)
``/close``         reads the request, then closes the connection without a response
``/loop``          302 to itself, forever
``/html``          200 with an HTML page
``/huge``          200 with a 50 MB body (Content-Length given)
``/endless``       200 with a body streamed until the client gives up (no Content-Length)
``/flaky``         resets the connection the first ``flaky_failures`` times, then 200
"""

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

XML = b"<Response><Speak>Hello from the test receiver</Speak></Response>"
HTML = b"<!DOCTYPE html><html><head><title>Login</title></head><body>Please log in</body></html>"
HUGE = 50 * 1024 * 1024


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)


@dataclass
class _State:
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    holding: int = 0
    max_holding: int = 0
    flaky_failures: int = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _reply(self, status: int, body: bytes, content_type: str = "text/xml", extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        state = self.server.state
        scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
        received = Received(self.command, self.path, {k: v for k, v in self.headers.items()}, body,
                            f"{scheme}://{self.headers.get('Host')}{self.path}")
        with state.lock:
            state.requests.append(received)
        path = received.path
        if path == "/ok" or path.startswith("/ok/"):
            self._reply(200, XML)
        elif path.startswith("/status/"):
            self._reply(int(path.rsplit("/", 1)[1]), b"<Response/>")
        elif path == "/hang":
            state.stopping.wait(60)
            self._reset()
        elif path == "/hold":
            with state.lock:
                state.holding += 1
                state.max_holding = max(state.max_holding, state.holding)
            state.released.wait(60)
            with state.lock:
                state.holding -= 1
            self._reply(200, b"OK", "text/plain")
        elif path == "/reset":
            self._reset()
        elif path == "/close":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif path == "/loop":
            self._reply(302, b"", extra={"Location": self.path})
        elif path == "/html":
            self._reply(200, HTML, "text/html; charset=utf-8")
        elif path == "/huge":
            self._stream(HUGE)
        elif path == "/endless":
            self._stream(None)
        elif path == "/flaky":
            with state.lock:
                failing = sum(1 for r in state.requests if r.path == "/flaky") <= state.flaky_failures
            self._reset() if failing else self._reply(200, XML)
        else:
            self._reply(404, b"not found", "text/plain")

    def _stream(self, size: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        if size is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"<" + b"x" * 65535
        sent = 0
        try:
            while (size is None or sent < size) and not self.server.state.stopping.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up (timeouts, size limits) are part of the tests


class Receiver:
    def __init__(self, tls: ssl.SSLContext | None = None):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State()
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.state.stopping.set()
        self._server.state.released.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def requests(self) -> list[Received]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def release(self) -> None:
        self._server.state.released.set()

    @property
    def holding(self) -> int:
        return self._server.state.holding

    @property
    def max_holding(self) -> int:
        return self._server.state.max_holding

    def fail_first(self, count: int) -> None:
        self._server.state.flaky_failures = count

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
        return eventually(predicate, timeout)


def eventually(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll ``predicate()`` until it is true; False if it still is not after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


class RawReceiver:
    """A loopback server that reads a request and answers ``payload`` as raw bytes, then closes:
    for answers that are not (complete) HTTP."""

    def __init__(self, payload: bytes):
        self.payload = payload
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/raw"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.settimeout(5)
                try:
                    connection.recv(65536)
                    connection.sendall(self.payload)
                except OSError:
                    pass

    def __enter__(self) -> "RawReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._socket.close()
