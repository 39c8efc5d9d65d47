"""A small HTTP/1.1 client for requests to customer URLs: asyncio protocols, httptools' parser.

Every webhook request is one short form POST (or GET) whose answer is read up to a cap, over a
kept-alive connection per ``scheme://host:port``. aiohttp, used here before, spent ~90 µs of CPU
on each such request against ~25 µs for a protocol fed to the same kind of parser (llhttp, through
httptools); with three status callbacks per SMS that difference decided whether two cores carry
1,000 messages/s end to end (``docs/benchmarks.md``). Parsing is httptools', TLS the standard
library's through asyncio; this module only frames requests, pools connections and enforces the
limits. Failures are raised as the exceptions below or as the ``OSError``/``ssl`` errors of
connecting; ``transport.py`` turns them into sentences.
"""

import asyncio
import base64
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote

import httptools

MAX_HEADER_LINE = 8190
"""Longest header line accepted (name and value); a longer one makes the response invalid."""
MAX_HEADERS = 64 * 1024
"""Most bytes of a status line and headers together."""


class ConnectTimeout(Exception):
    """No connection (and TLS handshake) within the connect timeout."""


class ReadTimeout(Exception):
    """No response data arrived for the read timeout."""


class InvalidResponse(Exception):
    """The answer is not HTTP/1.x (its reason is the message)."""


class Disconnected(Exception):
    """The connection ended before the response did; ``in_body``: after its headers."""

    def __init__(self, in_body: bool, cause: BaseException | None):
        super().__init__(str(cause) if cause else "closed")
        self.in_body = in_body
        self.cause = cause


@dataclass
class Response:
    status: int = 0
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    """Lower-case names; the last value of a repeated header."""
    body: bytes = b""
    complete: bool = False
    """The whole body was read (and the connection may be reused)."""
    declared_too_large: bool = False
    """Reading stopped at the headers: Content-Length was over ``stop_above``."""

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length", "")
        return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class Target:
    """Where a request goes, from an already percent-encoded URL (sent exactly as given)."""

    scheme: str
    host: str
    port: int
    authority: str
    path: str
    authorization: str | None

    @classmethod
    def of(cls, parts: SplitResult) -> "Target":
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL with a host: {parts.geturl()[:200]}")
        port = parts.port or (443 if parts.scheme == "https" else 80)  # parts.port raises ValueError for a bad port
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if any(ord(char) <= 32 or ord(char) == 127 for char in path):
            raise ValueError("the URL's path or query holds spaces or control characters")
        authorization = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            authorization = "Basic " + base64.b64encode(pair).decode("ascii")
        return cls(parts.scheme, parts.hostname, port, parts.netloc.rpartition("@")[2], path, authorization)


class _Connection(asyncio.Protocol):
    """One connection; one request at a time. :meth:`exchange` writes a request and waits for
    its response as httptools' callbacks fill it in."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_timer: asyncio.TimerHandle | None = None
        """While the connection waits in the pool: closes it once it has been idle too long."""
        self.on_close: Callable[[], None] | None = None
        """While the connection waits in the pool: takes it out when it closes."""
        self._done: asyncio.Future[None] | None = None
        self._read_timer: asyncio.TimerHandle | None = None
        self._read_timeout = 0.0
        self._start(0, None)

    def _start(self, cap: int, stop_above: int | None) -> None:
        """Fresh state for the next response on this connection."""
        self._parser = httptools.HttpResponseParser(self)
        self._response = Response()
        self._chunks: list[bytes] = []
        self._cap, self._stop_above = cap, stop_above
        self._size = 0
        self._head = 0
        """Bytes received before the headers were complete (a header section that never ends)."""
        self._header_bytes = 0
        self._headers_complete = False
        self._keep_alive = False
        self._problem = ""

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self._awaiting:
            self.close()  # bytes nobody asked for: the connection is not in a known state
            return
        self._arm_read_timer()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._finish(InvalidResponse(self._problem or str(exc) or type(exc).__name__))
            return
        if not self._headers_complete:
            self._head += len(data)
            if self._head > MAX_HEADERS:
                self._finish(InvalidResponse(f"status line and headers over {MAX_HEADERS} bytes"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.on_close is not None:
            self.on_close()
        if not self._awaiting:
            return
        if self._headers_complete and self._until_eof():
            self._response.complete = True  # a body that runs until the connection closes
            self._finish(None)
        else:
            self._finish(Disconnected(self._headers_complete, exc))

    # --- httptools callbacks --------------------------------------------------------------------

    def on_status(self, status: bytes) -> None:
        if not self._awaiting:
            return  # an answer nobody asked for: data_received closes the connection
        self._response.reason += status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._awaiting:
            return
        line = len(name) + len(value) + 2
        self._header_bytes += line + 2
        if line > MAX_HEADER_LINE:
            self._problem = f"a header line over {MAX_HEADER_LINE} bytes"
        elif self._header_bytes > MAX_HEADERS:
            self._problem = f"status line and headers over {MAX_HEADERS} bytes"
        if self._problem:
            raise ValueError(self._problem)
        self._response.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        if not self._awaiting:
            return
        self._headers_complete = True
        self._response.status = self._parser.get_status_code()
        declared = self._response.content_length
        if self._stop_above is not None and declared is not None and declared > self._stop_above:
            self._response.declared_too_large = True
            self._finish(None)

    def on_body(self, body: bytes) -> None:
        if not self._awaiting:
            return
        room = self._cap + 1 - self._size
        self._chunks.append(body[:room])
        self._size += min(len(body), room)
        if self._size > self._cap:
            self._finish(None)  # enough read: the rest is never wanted

    def on_message_complete(self) -> None:
        if not self._awaiting:
            return  # reading had already stopped (cap reached, or a declared length over the limit)
        self._keep_alive = self._parser.should_keep_alive()
        self._response.complete = True
        self._finish(None)

    # --- the request ----------------------------------------------------------------------------

    async def exchange(self, head: bytes, body: bytes | None, *, read_timeout: float, cap: int, stop_above: int | None) -> Response:
        assert self.transport is not None
        self._start(cap, stop_above)
        self._done = asyncio.get_running_loop().create_future()
        self._read_timeout = read_timeout
        self.transport.write(head + body if body else head)
        self._arm_read_timer()
        try:
            await self._done
        finally:
            if self._read_timer is not None:
                self._read_timer.cancel()
        self._response.body = b"".join(self._chunks)
        return self._response

    @property
    def _awaiting(self) -> bool:
        """A request's response is being read (not yet finished, failed or cut short)."""
        return self._done is not None and not self._done.done()

    @property
    def reusable(self) -> bool:
        return not self.closed and self._response.complete and self._keep_alive and not self._response.declared_too_large

    def _until_eof(self) -> bool:
        headers = self._response.headers
        return "content-length" not in headers and "transfer-encoding" not in headers

    def _arm_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
        self._read_timer = asyncio.get_running_loop().call_later(self._read_timeout, self._timed_out)

    def _timed_out(self) -> None:
        self._finish(ReadTimeout())

    def _finish(self, error: BaseException | None) -> None:
        if self._awaiting:
            self._done.set_exception(error) if error is not None else self._done.set_result(None)
        if error is not None or not self._response.complete:
            self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Pool:
    """Kept-alive connections per ``scheme://host:port``, each serving one request at a time.
    How many requests run at once is bounded by the caller (the outbox and ``host_slot``)."""

    def __init__(self, tls: ssl.SSLContext, user_agent: str, idle_seconds: float = 30.0):
        self._tls = tls
        self._user_agent = user_agent
        self._idle_seconds = idle_seconds
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def request(
        self,
        method: str,
        target: Target,
        headers: list[tuple[str, str]],
        body: bytes | None,
        *,
        connect_timeout: float,
        read_timeout: float,
        cap: int,
        stop_above: int | None = None,
    ) -> Response:
        """Send one request and read its response: at most ``cap`` + 1 body bytes, none when the
        declared length is over ``stop_above``. Raises :class:`ConnectTimeout` when no connection came
        within ``connect_timeout``, the errors of connecting, or this module's exceptions."""
        key = (target.scheme, target.host, target.port)
        connection = self._take(key)
        if connection is None:
            connection = await self._connect(target, connect_timeout)
        lines = [f"{method} {target.path} HTTP/1.1", f"Host: {target.authority}", f"User-Agent: {self._user_agent}", "Accept: */*"]
        if target.authorization:
            lines.append(f"Authorization: {target.authorization}")
        lines.extend(f"{name}: {value}" for name, value in headers)
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            response = await connection.exchange(head, body, read_timeout=read_timeout, cap=cap, stop_above=stop_above)
        except BaseException:
            connection.close()
            raise
        if connection.reusable:
            self._put(key, connection)
        else:
            connection.close()
        return response

    def _put(self, key: tuple[str, str, int], connection: _Connection) -> None:
        self._idle.setdefault(key, []).append(connection)
        connection.on_close = lambda: self._forget(key, connection)
        connection.idle_timer = asyncio.get_running_loop().call_later(self._idle_seconds, connection.close)

    def _forget(self, key: tuple[str, str, int], connection: _Connection) -> None:
        idle = self._idle.get(key, [])
        if connection in idle:
            idle.remove(connection)
        if not idle:
            self._idle.pop(key, None)

    def _take(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key, [])
        while idle:
            connection = idle.pop()
            connection.on_close = None
            if connection.idle_timer is not None:
                connection.idle_timer.cancel()
            if not connection.closed:  # closed ones leave the pool when their close completes
                return connection
        self._idle.pop(key, None)
        return None

    async def _connect(self, target: Target, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = self._tls if target.scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                _transport, connection = await loop.create_connection(
                    _Connection, target.host, target.port, ssl=tls, server_hostname=target.host if tls else None)
        except TimeoutError:
            raise ConnectTimeout() from None
        return connection

    def close(self) -> None:
        for connections in list(self._idle.values()):
            for connection in list(connections):
                connection.close()
        self._idle.clear()
