"""Plivo's webhook signatures, produced for every request Switchboard sends.

Both versions are an HMAC-SHA256, base64-encoded, keyed with an auth token:

* **V2** signs ``scheme://host/path`` (no query, no parameters) followed directly by the nonce.
* **V3** signs a *base string* built from the URL and the parameters, then ``"." + nonce``.
  The base string is ``scheme://host/path``, then for a GET ``?`` and every parameter (those of
  the query string and those sent) as ``k=v`` joined by ``&``; for a POST ``?``, the query
  parameters as ``k=v&…``, a ``.`` if there were any, and the body parameters as ``kv``
  concatenated. Keys are sorted as plain strings, repeated keys give one entry per value (values
  sorted), nothing is URL-encoded, and a POST without body parameters is signed like a GET of its
  query.

``X-Plivo-Signature-V2``/``-V3`` are keyed with the token of the account that owns the resource
(a subaccount's own token for its resources); ``X-Plivo-Signature-Ma-V2``/``-Ma-V3`` with the main
account's token. The URL signed is exactly the URL sent (percent-encoded as on the wire), so a
receiver that validates with the URL it was called on gets the same base string.
"""

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

Params = Mapping[str, str | Sequence[str]]


@lru_cache(maxsize=4096)
def _split(url: str) -> tuple[str, dict[str, list[str]]]:
    """``scheme://host/path`` of ``url`` and its query parameters (a burst of requests goes to few URLs)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query, keep_blank_values=True)


def _root(url: str) -> str:
    return _split(url)[0]


def _values(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _merge(*sources: Params) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for source in sources:
        for key, value in source.items():
            merged.setdefault(key, []).extend(_values(value))
    return merged


def _query_form(params: Mapping[str, list[str]]) -> str:
    return "&".join(f"{key}={value}" for key in sorted(params) for value in sorted(params[key]))


def _body_form(params: Params) -> str:
    return "".join([key + value for key in sorted(params) for value in sorted(_values(params[key]))])


def v3_base(method: str, url: str, params: Params) -> str:
    """The V3 base string for a request of ``method`` to ``url`` (the URL as sent, with its query)
    carrying ``params`` (the form body of a POST; for a GET, parameters not yet in ``url``)."""
    root, query = _split(url)
    if method.upper() == "GET":
        everything = _merge(params, query)
        return root + ("?" + _query_form(everything) if everything else "")
    if not params:
        return root + ("?" + _query_form(query) if query else "")
    return root + "?" + _query_form(query) + ("." if query else "") + _body_form(params)


@lru_cache(maxsize=1024)
def _keyed(token: str) -> "hmac.HMAC":
    """An HMAC-SHA256 with the key already set up (copied per message: the key schedule is done once per token)."""
    return hmac.new(token.encode("utf-8"), digestmod=hashlib.sha256)


def _hmac(token: str, message: str) -> str:
    mac = _keyed(token).copy()
    mac.update(message.encode("utf-8"))
    return base64.b64encode(mac.digest()).decode("ascii")


def signature_v2(url: str, nonce: str, token: str) -> str:
    return _hmac(token, _root(url) + nonce)


def signature_v3(method: str, url: str, params: Params, nonce: str, token: str) -> str:
    return _hmac(token, f"{v3_base(method, url, params)}.{nonce}")


class _Nonces:
    """Random bytes from the OS in blocks: one system call per 455 nonces instead of one each."""

    def __init__(self) -> None:
        self.block = b""
        self.offset = 0
        os.register_at_fork(after_in_child=self.clear)  # a child must not repeat its parent's nonces

    def clear(self) -> None:
        self.block, self.offset = b"", 0

    def next(self) -> str:
        if self.offset + 9 > len(self.block):
            self.block, self.offset = os.urandom(4095), 0
        value = int.from_bytes(self.block[self.offset : self.offset + 9], "big")  # 72 bits, reduced to 20 digits
        self.offset += 9
        return f"{value % 10**20:020d}"


_NONCES = _Nonces()


def new_nonce() -> str:
    """A fresh nonce: 20 random decimal digits, as Plivo sends."""
    return _NONCES.next()


def signature_headers(method: str, url: str, params: Params, token: str, main_token: str) -> dict[str, str]:
    """Every signature header for one request. ``params`` are the parameters the request carries
    outside ``url``'s query string (the POST body; nothing for a GET whose URL already holds them)."""
    nonce_v2, nonce_v3 = new_nonce(), new_nonce()
    signed_v2 = _root(url) + nonce_v2
    signed_v3 = f"{v3_base(method, url, params)}.{nonce_v3}"
    v2, v3 = _hmac(token, signed_v2), _hmac(token, signed_v3)
    same = main_token == token  # a main account's own resources: the Ma- signatures are the same
    return {
        "X-Plivo-Signature-V2": v2,
        "X-Plivo-Signature-Ma-V2": v2 if same else _hmac(main_token, signed_v2),
        "X-Plivo-Signature-V2-Nonce": nonce_v2,
        "X-Plivo-Signature-V3": v3,
        "X-Plivo-Signature-Ma-V3": v3 if same else _hmac(main_token, signed_v3),
        "X-Plivo-Signature-V3-Nonce": nonce_v3,
    }
