"""One HTTP request to a customer URL, and the precise reason when it fails.

Requests are form-encoded POSTs or GETs through one shared ``httpx.AsyncClient`` that never
follows redirects. Every request has a connect and a read timeout and a total deadline; the body
read is capped, so a huge or endless answer costs at most ``cap`` bytes of memory. Failures are
never raised: each becomes an :class:`Attempt` with ``error`` (a sentence for people) and
``failure`` (a kind for programs, see :class:`Failure`).
"""

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from urllib.parse import urlencode

import httpx

from switchboard import __version__
from switchboard.webhooks.lanes import Lanes, client_factory
from switchboard.webhooks.urls import RetryPolicy, host_key

USER_AGENT = f"Switchboard/{__version__} (Plivo-compatible webhooks)"


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


def _connect_reason(exc: httpx.ConnectError) -> tuple[Failure, str]:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return Failure.TLS, f"TLS certificate not trusted: {cause.verify_message or cause.reason}"
        if isinstance(cause, ssl.SSLError):
            return Failure.TLS, f"TLS handshake failed: {cause.reason or cause}"
        if isinstance(cause, ConnectionRefusedError):
            return Failure.CONNECT, "connection refused"
        if isinstance(cause, OSError) and "Name or service not known" in str(cause):
            return Failure.CONNECT, f"host name could not be resolved: {cause}"
        cause = cause.__cause__ or cause.__context__
    text = str(exc) or type(exc).__name__
    if "SSL" in text or "certificate" in text:
        return Failure.TLS, f"TLS error: {text}"
    return Failure.CONNECT, f"could not connect: {text}"


def _status_failure(response: httpx.Response) -> tuple[Failure, str] | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    phrase = f"HTTP {status} {response.reason_phrase}".rstrip()
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        return Failure.REDIRECT, f"{phrase}: redirects are not followed" + (f" (Location: {location})" if location else "")
    if 400 <= status < 500:
        return Failure.CLIENT_ERROR, phrase
    if status >= 500:
        return Failure.SERVER_ERROR, phrase
    return Failure.SERVER_ERROR, f"unexpected {phrase}"


def encode_form(params: Mapping[str, list[str]]) -> bytes:
    return urlencode([(key, value) for key, values in params.items() for value in values]).encode("ascii")


class Transport:
    """The HTTP side: a client per request in flight (see :mod:`lanes`) and a bounded number of
    synchronous fetches in flight per host."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True, host_limit: int = 16):
        self.lanes = Lanes(client_factory(verify))
        self.host_limit = host_limit
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def host_slot(self, host: str) -> AsyncIterator[None]:
        """At most ``host_limit`` requests to one ``host:port`` at a time (others wait)."""
        semaphore = self._slots.get(host)
        if semaphore is None:
            semaphore = self._slots[host] = asyncio.Semaphore(self.host_limit)
        self._users[host] = self._users.get(host, 0) + 1
        try:
            async with semaphore:
                yield
        finally:
            self._users[host] -= 1
            if not self._users[host]:
                del self._users[host], self._slots[host]

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
        """Make one request. ``cap`` bounds the bytes read; beyond it the attempt fails when
        ``cap_is_error`` (a document was expected) and is cut short otherwise (a notification,
        whose body is ignored). ``deadline`` is a ``time.monotonic()`` instant for the whole request."""
        attempt = Attempt(url=url, method=method, started=started)
        timeout = httpx.Timeout(connect=policy.connect_ms / 1000, read=policy.read_ms / 1000,
                                write=policy.read_ms / 1000, pool=policy.connect_ms / 1000)
        begin = time.monotonic()
        budget = policy.total_ms / 1000 if deadline is None else max(deadline - begin, 0.0)
        request_headers = {"User-Agent": USER_AGENT, **headers}
        if body is not None:
            request_headers["Content-Type"] = "application/x-www-form-urlencoded"
        host = host_key(url)
        client = self.lanes.take(host)
        try:
            async with asyncio.timeout(budget):
                await self._exchange(client, attempt, method, url, body, request_headers, timeout, cap, cap_is_error)
        except TimeoutError:
            attempt.fail(Failure.READ, f"no complete response within the total time limit of {policy.total_ms} ms")
        except httpx.ConnectTimeout:
            attempt.fail(Failure.CONNECT, f"connect timeout: no connection within {policy.connect_ms} ms")
        except httpx.PoolTimeout:
            attempt.fail(Failure.CONNECT, f"no free connection within {policy.connect_ms} ms")
        except (httpx.ReadTimeout, httpx.WriteTimeout):
            attempt.fail(Failure.READ, f"read timeout: no response data for {policy.read_ms} ms")
        except httpx.ConnectError as exc:
            attempt.fail(*_connect_reason(exc))
        except httpx.RemoteProtocolError as exc:
            attempt.fail(Failure.READ, f"connection closed before a complete response ({exc or 'protocol error'})")
        except (httpx.ReadError, httpx.WriteError) as exc:
            attempt.fail(Failure.READ, f"connection reset while {'reading' if isinstance(exc, httpx.ReadError) else 'sending'} ({exc or type(exc).__name__})")
        except httpx.DecodingError as exc:
            attempt.fail(Failure.INVALID_BODY, f"response body could not be decoded: {exc}")
        except httpx.HTTPError as exc:
            attempt.fail(Failure.CONNECT, f"{type(exc).__name__}: {exc}")
        finally:
            self.lanes.give(host, client)
        attempt.latency_ms = (time.monotonic() - begin) * 1000
        return attempt

    @staticmethod
    async def _exchange(
        client: httpx.AsyncHTTPTransport,
        attempt: Attempt,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
        cap: int,
        cap_is_error: bool,
    ) -> None:
        request = httpx.Request(method, url, content=body, headers=headers, extensions={"timeout": timeout.as_dict()})
        response = await client.handle_async_request(request)
        try:
            attempt.status = response.status_code
            attempt.content_type = response.headers.get("content-type", "")
            attempt.headers = {"content-type": attempt.content_type}
            declared = response.headers.get("content-length", "")
            if cap_is_error and declared.isdigit() and int(declared) > cap:
                attempt.fail(Failure.TOO_LARGE, f"response body of {declared} bytes exceeds the {cap}-byte limit")
                return
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                size += len(chunk)
                if size > cap:
                    break
            attempt.body = b"".join(chunks)[: cap + 1]
            problem = _status_failure(response)
            if problem is not None:
                attempt.fail(*problem)
            elif size > cap and cap_is_error:
                attempt.fail(Failure.TOO_LARGE, f"response body exceeds the {cap}-byte limit (reading stopped)")
            attempt.body = attempt.body[:cap]
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self.lanes.aclose()
