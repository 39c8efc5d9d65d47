"""SIP digest authentication (RFC 3261 §22 / RFC 2617, MD5) without keeping passwords.

Switchboard stores, per endpoint, only ``HA1 = MD5(username ":" realm ":" password)`` and the
realm it was computed for. That is exactly what a registrar needs to check a digest
``response``, and the password itself cannot be read back from the database. (HA1 still lets
someone who steals it authenticate to that realm, as with every digest implementation; it does
not reveal the password used elsewhere.) The realm is the SIP domain the password was set
under; a registrar must challenge with the endpoint's stored realm.
"""

import hashlib
import hmac


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def ha1(username: str, realm: str, password: str) -> str:
    return _md5(f"{username}:{realm}:{password}")


def expected_response(
    ha1_hex: str,
    method: str,
    uri: str,
    nonce: str,
    *,
    qop: str | None = None,
    nc: str | None = None,
    cnonce: str | None = None,
) -> str:
    """The ``response`` a client that knows the password sends for this challenge."""
    ha2 = _md5(f"{method}:{uri}")
    if qop in ("auth", "auth-int"):
        return _md5(f"{ha1_hex}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _md5(f"{ha1_hex}:{nonce}:{ha2}")


def verify(
    ha1_hex: str,
    method: str,
    uri: str,
    nonce: str,
    response: str,
    *,
    qop: str | None = None,
    nc: str | None = None,
    cnonce: str | None = None,
) -> bool:
    """Whether ``response`` proves knowledge of the password behind ``ha1_hex`` (constant time)."""
    expected = expected_response(ha1_hex, method, uri, nonce, qop=qop, nc=nc, cnonce=cnonce)
    return hmac.compare_digest(expected, response.lower())
