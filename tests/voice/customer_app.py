"""A customer application on loopback, as a Plivo developer would write one: it answers Plivo's
requests with XML built by ``plivo.plivoxml`` and remembers every request it got."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Reply = str | bytes | tuple[int, str | bytes]
Handler = Callable[[dict[str, str]], Reply]


@dataclass
class Hit:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class CustomerApp:
    """``app.route("/answer", handler)``: the handler gets the request parameters (form body merged
    over the query string) and returns XML text, or ``(status, body)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Condition()
        app = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                params.update(dict(parse_qsl(body, keep_blank_values=True)))
                hit = Hit(self.command, parts.path, params, dict(self.headers.items()))
                handler = app.routes.get(parts.path)
                reply: Reply = handler(params) if handler else (404, "not found")
                status, content = reply if isinstance(reply, tuple) else (200, reply)
                data = content.encode() if isinstance(content, str) else content
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with app._lock:
                    app.hits.append(hit)
                    app._lock.notify_all()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler | Reply) -> None:
        self.routes[path] = handler if callable(handler) else (lambda _params, reply=handler: reply)

    def requests_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[Hit]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                hits = [hit for hit in self.hits if hit.path == path]
                if len(hits) >= count:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [f"{h.path} ({h.params['HangupCauseName']})" if "HangupCauseName" in h.params else h.path
                           for h in self.hits]
                    raise AssertionError(f"{path} got {len(hits)} requests, expected {count}; got: {got}")
                self._lock.wait(left)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
