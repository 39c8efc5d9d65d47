"""The HTTP/1.1 client of webhook requests, against a raw asyncio server on loopback: framing,
keep-alive, bodies by length, chunks and end of connection, and the failures it raises."""

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from switchboard.webhooks.http1 import ConnectTimeout, Disconnected, InvalidResponse, Pool, ReadTimeout, Target

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@dataclass
class RawServer:
    """Answers each request (read up to its blank line and Content-Length) with ``answer(n)``
    for the n-th request on the server; ``None`` closes the connection without a word."""

    answer: Callable[[int], bytes | None]
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
                self.requests.append(head + await reader.readexactly(length))
                reply = self.answer(len(self.requests))
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def raw_server(answer: Callable[[int], bytes | None]) -> AsyncIterator[RawServer]:
    server = RawServer(answer)
    listener = await asyncio.start_server(server._serve, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()


def target(url: str) -> Target:
    return Target.of(urlsplit(url))


async def send(pool: Pool, url: str, body: bytes | None = b"a=1", cap: int = 1000, read_timeout: float = 5.0, **options: object):
    return await pool.request("POST" if body is not None else "GET", target(url), [("X-Test", "yes")], body,
                              connect_timeout=5.0, read_timeout=read_timeout, cap=cap, **options)  # type: ignore[arg-type]


async def test_requests_are_framed_and_one_connection_is_kept_alive_for_the_next() -> None:
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_server(lambda n: OK) as server:
        for _ in range(3):
            response = await send(pool, f"http://127.0.0.1:{server.port}/cb?x=%20y")
            assert (response.status, response.reason, response.body, response.complete) == (200, "OK", b"ok", True)
        assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"POST /cb?x=%20y HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{server.port}\r\n".encode() in first and b"User-Agent: Test/1\r\n" in first
    assert b"X-Test: yes\r\n" in first and first.endswith(b"Content-Length: 3\r\n\r\na=1")
    pool.close()


async def test_a_get_has_no_body_and_the_url_credentials_become_basic_auth() -> None:
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_server(lambda n: OK) as server:
        await send(pool, f"http://us%40er:p%3Ass@127.0.0.1:{server.port}/", body=None)
    request = server.requests[0]
    assert request.startswith(b"GET / HTTP/1.1\r\n") and b"Content-Length" not in request
    assert f"Authorization: Basic {base64.b64encode(b'us@er:p:ss').decode()}\r\n".encode() in request
    assert f"Host: 127.0.0.1:{server.port}\r\n".encode() in request, "no credentials in the Host header"
    pool.close()


async def test_chunked_and_until_eof_bodies_are_read_whole() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    until_eof = b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<Response/>"
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_server(lambda n: chunked) as server:
        response = await send(pool, f"http://127.0.0.1:{server.port}/")
        assert (response.body, response.complete) == (b"abcde", True)
    async with raw_answer_then_close(until_eof) as port:  # the body is what comes until the server closes
        response = await send(pool, f"http://127.0.0.1:{port}/")
    assert (response.body, response.headers["content-type"], response.complete) == (b"<Response/>", "text/xml", True)
    pool.close()


@asynccontextmanager
async def raw_answer_then_close(payload: bytes) -> AsyncIterator[int]:
    """A server that reads a request's head, writes ``payload`` and closes."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(payload)
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:
        listener.close()


async def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_server(lambda n: None if n == 2 else OK) as server:
        url = f"http://127.0.0.1:{server.port}/"
        assert (await send(pool, url)).status == 200
        with pytest.raises(Disconnected) as closed:
            await send(pool, url)  # answered by closing: this connection is gone
        assert not closed.value.in_body
        assert (await send(pool, url)).status == 200
        assert server.connections == 2
    async with raw_answer_then_close(OK) as port:  # kept alive by HTTP/1.1, then closed while idle
        assert (await send(pool, f"http://127.0.0.1:{port}/")).status == 200
        await asyncio.sleep(0.05)
    assert ("http", "127.0.0.1", port) not in pool._idle, "a connection the server closed leaves the pool"
    pool.close()


async def test_idle_connections_are_closed_after_a_while_and_leave_the_pool() -> None:
    pool = Pool(ssl.create_default_context(), "Test/1", idle_seconds=0.1)
    async with raw_server(lambda n: OK) as server:
        await send(pool, f"http://127.0.0.1:{server.port}/")
        assert sum(len(idle) for idle in pool._idle.values()) == 1
        await asyncio.sleep(0.3)
        assert pool._idle == {}
        await send(pool, f"http://127.0.0.1:{server.port}/")
        assert server.connections == 2
    pool.close()


async def test_the_body_is_read_up_to_one_byte_over_the_cap_and_the_connection_dropped() -> None:
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_server(lambda n: big) as server:
        url = f"http://127.0.0.1:{server.port}/"
        response = await send(pool, url, cap=100)
        assert (len(response.body), response.complete) == (101, False)
        stopped = await send(pool, url, cap=100, stop_above=100)
        assert (stopped.declared_too_large, stopped.content_length, stopped.body) == (True, 5000, b"")
        assert server.connections == 2, "a connection left mid-body is never reused"
    pool.close()


@pytest.mark.parametrize(("payload", "problem"), [
    (b"SSH-2.0-OpenSSH\r\n\r\n", "Expected HTTP/"),
    (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", "a header line over 8190 bytes"),
    (b"HTTP/1.1 200 OK\r\n" + b"X-Many: 0123456789\r\n" * 4000, "status line and headers over 65536 bytes"),
])
async def test_answers_that_are_not_http_are_invalid(payload: bytes, problem: str) -> None:
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_answer_then_close(payload) as port:
        with pytest.raises(InvalidResponse, match=problem):
            await send(pool, f"http://127.0.0.1:{port}/")
    pool.close()


async def test_a_body_cut_short_is_a_disconnect_in_the_body() -> None:
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_answer_then_close(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") as port:
        with pytest.raises(Disconnected) as cut:
            await send(pool, f"http://127.0.0.1:{port}/")
    assert cut.value.in_body
    pool.close()


async def test_silence_is_a_read_timeout_and_an_unreachable_port_a_connect_error() -> None:
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_server(lambda n: b"") as server:  # reads the request, never answers
        with pytest.raises(ReadTimeout):
            await send(pool, f"http://127.0.0.1:{server.port}/", read_timeout=0.2)
        port = server.port
    with pytest.raises(ConnectionRefusedError):
        await send(pool, f"http://127.0.0.1:{port}/")
    pool.close()


async def test_a_tls_handshake_that_never_ends_is_a_connect_timeout() -> None:
    pool = Pool(ssl.create_default_context(), "Test/1")
    async with raw_server(lambda n: b"") as server:  # accepts, reads, never says a word of TLS
        with pytest.raises(ConnectTimeout):
            await pool.request("POST", target(f"https://127.0.0.1:{server.port}/"), [], b"", connect_timeout=0.2, read_timeout=1, cap=10)
    pool.close()


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "http:///nohost", "http://127.0.0.1:99999/", "http://127.0.0.1/a b"])
def test_urls_that_cannot_be_requested(url: str) -> None:
    with pytest.raises(ValueError):
        target(url)
