"""One HTTP request to a customer URL, and the precise reason when it fails.

Requests are form-encoded POSTs or GETs through one shared ``aiohttp`` client session that never
follows redirects and never asks for compressed bodies. aiohttp (C-accelerated HTTP parser,
a per-host keep-alive pool) costs a fraction of the CPU per request that httpx did, which is what
bounded event-notification throughput (see ``docs/benchmarks.md``). Every request has a connect
and a read timeout and a total deadline; the body read is capped, so a huge or endless answer
costs at most ``cap`` bytes of memory. Failures are never raised: each becomes an
:class:`Attempt` with ``error`` (a sentence for people) and ``failure`` (a kind for programs, see
:class:`Failure`).
"""

import asyncio
import re
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import lru_cache
from urllib.parse import quote_plus

import aiohttp
import certifi
from yarl import URL

from switchboard import __version__
from switchboard.webhooks.urls import RetryPolicy

USER_AGENT = f"Switchboard/{__version__} (Plivo-compatible webhooks)"
_FORM = "application/x-www-form-urlencoded"
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


class Failure(str, Enum):
    """Why an attempt failed. ``CONNECT`` and ``READ`` are the ``ct``/``rt`` retry classes."""

    CONNECT = "ct"
    READ = "rt"
    CLIENT_ERROR = "4xx"
    SERVER_ERROR = "5xx"
    REDIRECT = "redirect"
    TLS = "tls"
    TOO_LARGE = "too_large"
    INVALID_BODY = "invalid_body"
    INVALID_URL = "invalid_url"
    NO_ACCOUNT = "no_account"


@dataclass
class Attempt:
    url: str
    method: str
    started: datetime
    status: int | None = None
    latency_ms: float = 0.0
    body: bytes = b""
    content_type: str = ""
    failure: Failure | None = None
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def fail(self, failure: Failure, error: str) -> "Attempt":
        self.failure, self.error = failure, error
        return self

    def snippet(self, limit: int) -> str:
        return self.body[:limit].decode("utf-8", errors="replace")


class HostBusy(Exception):
    """No request slot for the host came free before the request's deadline (see :meth:`Transport.host_slot`)."""


def _connect_reason(exc: aiohttp.ClientConnectorError) -> tuple[Failure, str]:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cause = exc.certificate_error
        detail = getattr(cause, "verify_message", "") or getattr(cause, "reason", "") or str(cause)
        return Failure.TLS, f"TLS certificate not trusted: {detail}"
    if isinstance(exc, (aiohttp.ClientConnectorSSLError, aiohttp.ClientSSLError)):
        cause = exc.os_error
        return Failure.TLS, f"TLS handshake failed: {getattr(cause, 'reason', '') or cause}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return Failure.CONNECT, f"host name could not be resolved: {exc.os_error}"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return Failure.CONNECT, "connection refused"
    return Failure.CONNECT, f"could not connect: {exc.os_error or exc}"


def _brief(exc: BaseException, text: object = None) -> str:
    """An exception's message on one line and at most 300 characters (it goes into the debug log)."""
    line = " ".join(str(text if text is not None else exc).split()) or type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


def _status_failure(response: aiohttp.ClientResponse) -> tuple[Failure, str] | None:
    status = response.status
    if 200 <= status < 300:
        return None
    phrase = f"HTTP {status} {response.reason or ''}".rstrip()
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        return Failure.REDIRECT, f"{phrase}: redirects are not followed" + (f" (Location: {location})" if location else "")
    if 400 <= status < 500:
        return Failure.CLIENT_ERROR, phrase
    if status >= 500:
        return Failure.SERVER_ERROR, phrase
    return Failure.SERVER_ERROR, f"unexpected {phrase}"


_FORM_ASCII = {code: "+" if code == 32 else chr(code) if _UNRESERVED.fullmatch(chr(code)) else f"%{code:02X}" for code in range(128)}
"""What ``quote_plus`` makes of each ASCII character."""


def _form_quote(text: str) -> str:
    """``quote_plus``: ASCII text (ids, numbers, times) by one ``str.translate``, the rest by ``quote_plus``."""
    return text.translate(_FORM_ASCII) if text.isascii() else quote_plus(text)


@lru_cache(maxsize=1024)
def _form_key(key: str) -> str:
    """A parameter name quoted (names are few: Plivo's, a callback's, a customer's query)."""
    return _form_quote(key) + "="


def encode_form(params: Mapping[str, list[str]]) -> bytes:
    """The form body, byte for byte what ``urlencode`` makes, at a fraction of its cost."""
    return "&".join([_form_key(key) + _form_quote(value) for key, values in params.items() for value in values]).encode("ascii")


@lru_cache(maxsize=64)
def _timeouts(connect_ms: int, read_ms: int) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for a policy (made once: policies are few, requests many)."""
    return aiohttp.ClientTimeout(total=None, connect=None, sock_connect=connect_ms / 1000, sock_read=read_ms / 1000)


@lru_cache(maxsize=4096)
def _wire_url(url: str) -> URL:
    """``url`` as a yarl URL taken as already percent-encoded (sent exactly as signed)."""
    return URL(url, encoded=True)


def default_tls() -> ssl.SSLContext:
    """Certificate checks against certifi's bundle of public certificate authorities."""
    return ssl.create_default_context(cafile=certifi.where())


class Transport:
    """The HTTP side: one client session (created on first use, inside the running loop) and a
    bounded number of synchronous fetches in flight per host and account, and per host."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True, host_limit: int = 16, host_total_limit: int = 64):
        self._tls: ssl.SSLContext | bool = verify if isinstance(verify, ssl.SSLContext) else default_tls() if verify else False
        self.host_limit = host_limit
        self.host_total_limit = host_total_limit
        self._session: aiohttp.ClientSession | None = None
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # No connection limit here: the outbox (per host) and host_slot() bound what is in flight.
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ssl=self._tls, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, trust_env=False, cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("Accept-Encoding",), headers={"User-Agent": USER_AGENT},
            )
        return self._session

    @asynccontextmanager
    async def host_slot(self, host: str, account: str = "", deadline: float | None = None) -> AsyncIterator[None]:
        """At most ``host_limit`` requests of one account to one ``host:port`` at a time, and
        ``host_total_limit`` of all accounts together (others wait). The account's own bound is
        taken first, so one account's hanging endpoint holds at most ``host_limit`` of the host's.
        Raises :class:`HostBusy` if no slot came free by ``deadline`` (a ``time.monotonic()`` instant)."""
        async with (self._slot(f"{host} {account}", self.host_limit, deadline, f"of {account} to {host}"),
                    self._slot(host, self.host_total_limit, deadline, f"to {host}")):
            yield

    @asynccontextmanager
    async def _slot(self, key: str, limit: int, deadline: float | None, what: str) -> AsyncIterator[None]:
        semaphore = self._slots.get(key)
        if semaphore is None:
            semaphore = self._slots[key] = asyncio.Semaphore(limit)
        self._users[key] = self._users.get(key, 0) + 1
        try:
            try:
                async with asyncio.timeout(None if deadline is None else max(deadline - time.monotonic(), 0.0)):
                    await semaphore.acquire()
            except TimeoutError:
                raise HostBusy(f"all {limit} request slots {what} stayed busy until the total time limit") from None
            try:
                yield
            finally:
                semaphore.release()
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._slots[key]

    async def send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        policy: RetryPolicy,
        *,
        started: datetime,
        cap: int,
        cap_is_error: bool,
        deadline: float | None = None,
    ) -> Attempt:
        """Make one request to ``url`` (already percent-encoded: it is sent exactly as signed).
        ``cap`` bounds the bytes read; beyond it the attempt fails when ``cap_is_error`` (a
        document was expected) and is cut short otherwise (a notification, whose body is
        ignored). ``deadline`` is a ``time.monotonic()`` instant for the whole request."""
        attempt = Attempt(url=url, method=method, started=started)
        timeout = _timeouts(policy.connect_ms, policy.read_ms)
        begin = time.monotonic()
        budget = policy.total_ms / 1000 if deadline is None else max(deadline - begin, 0.0)
        request_headers = dict(headers)
        if body is not None:
            request_headers["Content-Type"] = _FORM
        try:
            async with asyncio.timeout(budget):
                await self._exchange(attempt, method, _wire_url(url), body, request_headers, timeout, cap, cap_is_error)
        except aiohttp.ConnectionTimeoutError:
            attempt.fail(Failure.CONNECT, f"connect timeout: no connection within {policy.connect_ms} ms")
        except aiohttp.SocketTimeoutError:
            attempt.fail(Failure.READ, f"read timeout: no response data for {policy.read_ms} ms")
        except TimeoutError:
            attempt.fail(Failure.READ, f"no complete response within the total time limit of {policy.total_ms} ms")
        except aiohttp.ClientConnectorError as exc:
            attempt.fail(*_connect_reason(exc))
        except aiohttp.ServerDisconnectedError:
            attempt.fail(Failure.READ, "connection closed before a complete response")
        except aiohttp.ClientPayloadError as exc:
            attempt.fail(Failure.READ, f"connection closed before the complete response body ({_brief(exc)})")
        except (aiohttp.ClientOSError, ConnectionError) as exc:
            attempt.fail(Failure.READ, f"connection reset ({_brief(exc)})")
        except aiohttp.ClientResponseError as exc:  # not HTTP: the response line or headers could not be parsed
            attempt.fail(Failure.READ, f"invalid HTTP response ({_brief(exc, exc.message or None)})")
        except (aiohttp.InvalidURL, ValueError) as exc:
            attempt.fail(Failure.INVALID_URL, f"URL cannot be requested: {_brief(exc)}")
        except aiohttp.ClientError as exc:
            attempt.fail(Failure.CONNECT, f"{type(exc).__name__}: {_brief(exc)}")
        attempt.latency_ms = (time.monotonic() - begin) * 1000
        return attempt

    async def _exchange(
        self,
        attempt: Attempt,
        method: str,
        url: URL,
        body: bytes | None,
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,
        cap: int,
        cap_is_error: bool,
    ) -> None:
        response = await self._client().request(method, url, data=body, headers=headers, allow_redirects=False,
                                                 timeout=timeout, read_until_eof=True)
        complete = False
        try:
            attempt.status = response.status
            attempt.content_type = response.headers.get("content-type", "")
            attempt.headers = {"content-type": attempt.content_type}
            declared = response.content_length
            if cap_is_error and declared is not None and declared > cap:
                attempt.fail(Failure.TOO_LARGE, f"response body of {declared} bytes exceeds the {cap}-byte limit")
                return
            chunks: list[bytes] = []
            size = 0
            while size <= cap:
                chunk = await response.content.readany()
                if not chunk:
                    complete = True
                    break
                chunks.append(chunk)
                size += len(chunk)
            attempt.body = b"".join(chunks)[: cap + 1]
            problem = _status_failure(response)
            if problem is not None:
                attempt.fail(*problem)
            elif size > cap and cap_is_error:
                attempt.fail(Failure.TOO_LARGE, f"response body exceeds the {cap}-byte limit (reading stopped)")
            attempt.body = attempt.body[:cap]
        finally:
            # A body read to its end leaves the connection reusable; one cut short must not be reused.
            response.release() if complete else response.close()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
