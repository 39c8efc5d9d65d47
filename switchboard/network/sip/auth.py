"""Digest challenges for SIP (RFC 3261 §22, RFC 7616 with MD5): nonces and Authorization headers.

Nonces are stateless: ``<issued>.<hmac>`` signed with a per-process secret, so any request can
be checked without a table, and a nonce older than :data:`NONCE_SECONDS` is answered with a new
challenge carrying ``stale=true`` (the phone retries with the same password, without asking the
user). The response itself is checked against the endpoint's stored HA1
(``switchboard.endpoints.digest``).
"""

import hashlib
import hmac
import re
import secrets
import time

from switchboard.endpoints import digest

NONCE_SECONDS = 300.0
_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


class Nonces:
    def __init__(self, secret: bytes | None = None):
        self.secret = secret or secrets.token_bytes(32)

    def _sign(self, issued: str) -> str:
        return hmac.new(self.secret, issued.encode(), hashlib.sha256).hexdigest()[:24]

    def issue(self) -> str:
        issued = f"{time.time():.3f}"
        return f"{issued}.{self._sign(issued)}"

    def check(self, nonce: str) -> str:
        """``"valid"``, ``"stale"`` (ours but too old) or ``"invalid"``."""
        issued, _, signature = nonce.rpartition(".")
        if not issued or not hmac.compare_digest(signature, self._sign(issued)):
            return "invalid"
        try:
            age = time.time() - float(issued)
        except ValueError:
            return "invalid"
        return "valid" if -5 <= age <= NONCE_SECONDS else "stale"


def challenge(realm: str, nonce: str, stale: bool = False) -> str:
    """A ``WWW-Authenticate`` / ``Proxy-Authenticate`` value."""
    return f'Digest realm="{realm}", nonce="{nonce}", algorithm=MD5, qop="auth"' + (", stale=true" if stale else "")


def parse_credentials(value: str) -> dict[str, str]:
    """The parameters of a ``Digest ...`` Authorization header ({} if it is not Digest)."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return {}
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(rest)}


def verify(credentials: dict[str, str], ha1_hex: str, method: str) -> bool:
    """Whether the credentials prove the password behind ``ha1_hex`` for ``method``."""
    response, uri, nonce = credentials.get("response"), credentials.get("uri"), credentials.get("nonce")
    if not response or uri is None or nonce is None:
        return False
    algorithm = credentials.get("algorithm", "MD5").upper()
    if algorithm != "MD5":
        return False
    qop = credentials.get("qop")
    if qop and qop != "auth":
        return False
    return digest.verify(ha1_hex, method, uri, nonce, response, qop=qop, nc=credentials.get("nc"),
                         cnonce=credentials.get("cnonce"))
