"""A customer application on loopback: records every callback, checks its V3 signature with the
official SDK's ``validate_v3_signature``, and answers ``message_url`` requests with a document
the test chooses."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from plivo.utils import validate_v3_signature


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a server killed mid-request resets its connections; that is expected here


@dataclass
class Callback:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    signature_ok: bool


class Receiver:
    def __init__(self, auth_token: str):
        self.auth_token = auth_token
        self.callbacks: list[Callback] = []
        self.replies: dict[str, bytes] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        """GET paths served as media files (content, content type); ``/missing…`` answers 404."""
        self.file_delay = 0.0
        """Real seconds a media file takes to start (a slow media host)."""
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode()
                raw = parse_qs(body, keep_blank_values=True)
                self._record(raw)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path in receiver.files or path.startswith("/missing"):
                    time.sleep(receiver.file_delay)
                    content, kind = receiver.files.get(path, (b"not found", "text/plain"))
                    self.send_response(200 if path in receiver.files else 404)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                    return
                self._record(parse_qs(urlsplit(self.path).query, keep_blank_values=True))

            def _record(self, raw: dict[str, list[str]]) -> None:
                url = f"{receiver.base_url}{self.path}"
                ok = validate_v3_signature(self.command, url, self.headers.get("X-Plivo-Signature-V3-Nonce", ""),
                                           receiver.auth_token, self.headers.get("X-Plivo-Signature-V3", ""),
                                           {k: list(v) for k, v in raw.items()})
                path = urlsplit(self.path).path
                with receiver._lock:
                    receiver.callbacks.append(Callback(path, {k: v[-1] for k, v in raw.items()}, dict(self.headers), ok))
                reply = receiver.replies.get(path, b"")
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        return Handler

    def at(self, path: str) -> list[Callback]:
        with self._lock:
            return [callback for callback in self.callbacks if callback.path == path]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError("timed out waiting for the receiver")
