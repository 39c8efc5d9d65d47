"""Callback URLs: relative-URL resolution, the ``#ct=…&rc=…`` fragment, and the request to send.

A customer URL may end in a fragment that tunes how Switchboard calls it (Plivo's convention)::

    https://example.com/answer?lang=fr#ct=2000&rt=40000&tt=55000&rc=1&rp=ct,rt

``ct`` connect timeout (ms, 100–10000, default 2000), ``rt`` read timeout (ms, 100–40000, default
40000), ``tt`` total time including retries (ms, 100–55000, default 55000), ``rc`` retry count
(0–5), ``rp`` which failures are retried (``ct`` connect failures, ``rt`` read failures, ``4xx``,
``5xx``, ``all``; default ``ct,rt``), ``er`` edge region (accepted and ignored: a Switchboard node
is its own region). Values outside a range are clamped to it; unknown keys and malformed values
are ignored. The fragment is never sent; the query string always is.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from switchboard.core.validators import URL_LENGTH

RETRY_KINDS = frozenset({"ct", "rt", "4xx", "5xx"})
_RANGES = {"ct": (100, 10_000), "rt": (100, 40_000), "tt": (100, 55_000), "rc": (0, 5)}


class InvalidUrl(ValueError):
    """The URL cannot be called (not absolute http(s), or unparseable)."""


@dataclass(frozen=True)
class RetryPolicy:
    connect_ms: int = 2000
    read_ms: int = 40_000
    total_ms: int = 55_000
    retries: int = 1
    retry_on: frozenset[str] = frozenset({"ct", "rt"})

    def retries_on(self, kind: str) -> bool:
        return kind in self.retry_on


@dataclass(frozen=True)
class Target:
    """A callable URL: ``url`` without its fragment, the ``method``, and the ``policy`` it asked for."""

    url: str
    method: str
    policy: RetryPolicy


def resolve_url(url: str, base_url: str | None) -> str:
    """``url`` made absolute against ``base_url`` (the URL of the document that contained it), as a
    browser resolves a link: ``next.xml``, ``/ivr/next``, ``../x``, ``//host/p`` and ``?q=1`` all work.
    The base's fragment never carries over."""
    url = url.strip()
    if base_url:
        base = urlsplit(base_url)._replace(fragment="").geturl()
        url = urljoin(base, url)
    return url


def _clamp(key: str, raw: str) -> int | None:
    try:
        value = int(float(raw))
    except ValueError:
        return None
    low, high = _RANGES[key]
    return min(max(value, low), high)


def parse_policy(fragment: str, default: RetryPolicy) -> RetryPolicy:
    """The policy a URL fragment asks for, over ``default``."""
    changes: dict[str, Any] = {}
    fields = {"ct": "connect_ms", "rt": "read_ms", "tt": "total_ms", "rc": "retries"}
    for key, raw in parse_qsl(fragment, keep_blank_values=False):
        key = key.strip().lower()
        if key in fields:
            value = _clamp(key, raw.strip())
            if value is not None:
                changes[fields[key]] = value
        elif key == "rp":
            kinds = {kind.strip().lower() for kind in raw.split(",") if kind.strip()}
            if "all" in kinds:
                kinds = set(RETRY_KINDS)
            kinds &= RETRY_KINDS
            changes["retry_on"] = frozenset(kinds)
    return replace(default, **changes)


@lru_cache(maxsize=4096)
def target(url: str, method: str = "POST", *, base_url: str | None = None, default: RetryPolicy = RetryPolicy()) -> Target:
    """Resolve ``url``, split off and interpret its fragment, and check that it can be called.
    Cached: a burst of notifications to one URL parses it once."""
    absolute = resolve_url(url, base_url)
    try:
        parts = urlsplit(absolute)
        host = parts.hostname
    except ValueError as exc:
        raise InvalidUrl(f"malformed URL {absolute!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidUrl(f"not an absolute http(s) URL: {absolute!r}")
    if len(absolute) > URL_LENGTH:
        raise InvalidUrl(f"URL longer than {URL_LENGTH} characters")
    try:
        httpx.URL(absolute)
    except httpx.InvalidURL as exc:
        raise InvalidUrl(f"URL cannot be requested: {exc}") from None
    policy = parse_policy(parts.fragment, default)
    method = method.upper()
    if method not in ("GET", "POST"):
        raise InvalidUrl(f"method must be GET or POST, not {method!r}")
    return Target(urlunsplit(parts._replace(fragment="")), method, policy)


def form_value(value: Any) -> str:
    """A parameter value as sent: booleans as ``true``/``false`` (Plivo's convention)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize_params(params: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Parameters as lists of strings; ``None`` values are left out, lists give repeated keys."""
    result: dict[str, list[str]] = {}
    for key, value in (params or {}).items():
        if value.__class__ is str:  # the common case, first
            result[str(key)] = [value]
            continue
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        result[str(key)] = [form_value(item) for item in values if item is not None]
    return result


def request_url(url: str, method: str, params: Mapping[str, list[str]]) -> str:
    """The URL to send, percent-encoded as it goes on the wire. A GET carries ``params`` after the
    customer's own query string; a POST keeps the query string as it is."""
    if method == "GET" and params:
        parts = urlsplit(url)
        extra = urlencode([(key, value) for key, values in params.items() for value in values])
        url = urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))
        return str(httpx.URL(url))
    return _encoded(url)


@lru_cache(maxsize=4096)
def _encoded(url: str) -> str:
    return str(httpx.URL(url))


@lru_cache(maxsize=4096)
def host_key(url: str) -> str:
    """The destination a concurrency limit applies to: ``host:port``."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


def safe_host_key(url: str) -> str:
    """:func:`host_key`, or ``"invalid"`` for a URL it cannot parse (such a row fails on delivery)."""
    try:
        return host_key(url)[:300] if "://" in url else "invalid"
    except ValueError:
        return "invalid"


def delivery_unit(url: str, owner_auth_id: str) -> str:
    """What a notification queue and its limits are for: ``host:port`` *and* the account that owns
    the notification, so that one account's stuck endpoint never holds up another account's
    notifications to the same host. Fits the outbox's ``host`` column (300 characters)."""
    return f"{safe_host_key(url)[:279]} {owner_auth_id}"


def unit_host(unit: str) -> str:
    """The ``host:port`` of a :func:`delivery_unit` (all accounts together are bounded per host)."""
    return unit.rpartition(" ")[0] or unit
