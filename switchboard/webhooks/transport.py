"""One HTTP request to a customer URL, and the precise reason when it fails.

Requests are form-encoded POSTs or GETs through this module's pool of kept-alive connections
(``http1.py``: asyncio protocols and httptools' parser), never following redirects and never
asking for compressed bodies. Every request has a connect and a read timeout and a total
deadline; the body read is capped, so a huge or endless answer costs at most ``cap`` bytes of
memory. Failures are never raised: each becomes an :class:`Attempt` with ``error`` (a sentence for
people) and ``failure`` (a kind for programs, see :class:`Failure`).
"""

import asyncio
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import lru_cache
from urllib.parse import quote_plus, urlsplit

import certifi

from switchboard import __version__
from switchboard.webhooks.http1 import ConnectTimeout, Disconnected, InvalidResponse, Pool, ReadTimeout, Response, Target
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


def _connect_reason(exc: OSError) -> tuple[Failure, str]:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure.TLS, f"TLS certificate not trusted: {exc.verify_message or exc.reason or exc}"
    if isinstance(exc, ssl.SSLError):
        return Failure.TLS, f"TLS handshake failed: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return Failure.CONNECT, f"host name could not be resolved: {exc}"
    if isinstance(exc, ConnectionRefusedError):
        return Failure.CONNECT, "connection refused"
    return Failure.CONNECT, f"could not connect: {exc}"


def _brief(exc: BaseException) -> str:
    """An exception's message on one line and at most 300 characters (it goes into the debug log)."""
    line = " ".join(str(exc).split()) or type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


def _status_failure(response: Response) -> tuple[Failure, str] | None:
    status = response.status
    if 200 <= status < 300:
        return None
    phrase = f"HTTP {status} {response.reason}".rstrip()
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


@lru_cache(maxsize=4096)
def _target(url: str) -> Target:
    """Where ``url`` (already percent-encoded: sent exactly as signed) points; ``ValueError`` if nowhere."""
    return Target.of(urlsplit(url))


def default_tls() -> ssl.SSLContext:
    """Certificate checks against certifi's bundle of public certificate authorities."""
    return ssl.create_default_context(cafile=certifi.where())


def unverified_tls() -> ssl.SSLContext:
    """TLS without certificate checks (``verify=False``: tests and closed networks only)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Transport:
    """The HTTP side: a pool of kept-alive connections and a bounded number of synchronous
    fetches in flight per host and account, and per host. The pool itself has no connection
    limit: the outbox (per host) and :meth:`host_slot` bound what is in flight."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True, host_limit: int = 16, host_total_limit: int = 64):
        tls = verify if isinstance(verify, ssl.SSLContext) else default_tls() if verify else unverified_tls()
        self.host_limit = host_limit
        self.host_total_limit = host_total_limit
        self._pool = Pool(tls, USER_AGENT)
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}

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
        begin = time.monotonic()
        budget = policy.total_ms / 1000 if deadline is None else max(deadline - begin, 0.0)
        request_headers = list(headers.items())
        if body is not None:
            request_headers.append(("Content-Type", _FORM))
        try:
            target = _target(url)
            async with asyncio.timeout(budget):
                response = await self._pool.request(method, target, request_headers, body, connect_timeout=policy.connect_ms / 1000,
                                                    read_timeout=policy.read_ms / 1000, cap=cap, stop_above=cap if cap_is_error else None)
            _read(attempt, response, cap, cap_is_error)
        except ConnectTimeout:
            attempt.fail(Failure.CONNECT, f"connect timeout: no connection within {policy.connect_ms} ms")
        except ReadTimeout:
            attempt.fail(Failure.READ, f"read timeout: no response data for {policy.read_ms} ms")
        except TimeoutError:
            attempt.fail(Failure.READ, f"no complete response within the total time limit of {policy.total_ms} ms")
        except Disconnected as exc:
            if exc.in_body:
                attempt.fail(Failure.READ, f"connection closed before the complete response body ({_brief(exc)})")
            elif isinstance(exc.cause, ConnectionResetError):
                attempt.fail(Failure.READ, f"connection reset ({_brief(exc.cause)})")
            else:
                attempt.fail(Failure.READ, "connection closed before a complete response")
        except InvalidResponse as exc:
            attempt.fail(Failure.READ, f"invalid HTTP response ({_brief(exc)})")
        except OSError as exc:  # connecting: refused, unreachable, name not found, TLS
            attempt.fail(*_connect_reason(exc))
        except ValueError as exc:
            attempt.fail(Failure.INVALID_URL, f"URL cannot be requested: {_brief(exc)}")
        attempt.latency_ms = (time.monotonic() - begin) * 1000
        return attempt

    async def aclose(self) -> None:
        self._pool.close()


def _read(attempt: Attempt, response: Response, cap: int, cap_is_error: bool) -> None:
    """Fill ``attempt`` in from ``response`` (whose body holds at most ``cap`` + 1 bytes)."""
    attempt.status = response.status
    attempt.content_type = response.headers.get("content-type", "")
    attempt.headers = {"content-type": attempt.content_type}
    if response.declared_too_large:
        attempt.fail(Failure.TOO_LARGE, f"response body of {response.content_length} bytes exceeds the {cap}-byte limit")
        return
    problem = _status_failure(response)
    if problem is not None:
        attempt.fail(*problem)
    elif len(response.body) > cap and cap_is_error:
        attempt.fail(Failure.TOO_LARGE, f"response body exceeds the {cap}-byte limit (reading stopped)")
    attempt.body = response.body[:cap]
