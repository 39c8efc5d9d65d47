"""What wraps every console request and no API request: the signed session cookie, CSRF
protection and the security headers.

The REST API authenticates each request with HTTP Basic and keeps no cookies, so these layers
apply only to the console's own paths (``is_console_path``). The session cookie is signed, not
encrypted: it holds the account's Auth ID and a keyed fingerprint of its Auth Token (so a new
token ends the sessions made with the old one), never the token itself.

CSRF: asgi-csrf's double-submit token (a signed ``csrftoken`` cookie echoed in a form field or
an ``x-csrftoken`` header) is required on every state-changing console request, sign-in included.
"""

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from asgi_csrf import asgi_csrf
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchboard.config import Settings
from switchboard.core.server_key import server_secret

SESSION_COOKIE = "switchboard_console"
SESSION_SECONDS = 12 * 60 * 60
MAX_FORM_BYTES = 1024 * 1024

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def console_secret(settings: Settings) -> str:
    """The key that signs console cookies: the server secret (``core/server_key.py``)."""
    return server_secret(settings)


def token_tag(secret: str, auth_token: str) -> str:
    """A keyed fingerprint of an Auth Token, kept in the session instead of the token."""
    return hmac.new(secret.encode(), auth_token.encode(), hashlib.sha256).hexdigest()[:32]


async def _refuse(send: Send, status: int, title: str, text: str) -> None:
    body = f"<!doctype html><title>{title}</title><h1>{status} {title}</h1><p>{text}</p>".encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), *_header_pairs()]})
    await send({"type": "http.response.body", "body": body})


async def _refuse_forged(scope: Scope, send: Send, _error: Any) -> None:
    await _refuse(send, 403, "Refused", "The form was sent without a valid security token (CSRF). "
                                        "Reload the page and try again.")


async def _whole_body(receive: Receive) -> bytes | None:
    """The request body, or None once it passes :data:`MAX_FORM_BYTES`."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _checked_form(receive: Receive, send: Send) -> Receive | None:
    """A replay of a console form's body once it is known to be UTF-8 text of a sane size (the
    CSRF layer decodes it and would fail on anything else); None when the request was refused."""
    body = await _whole_body(receive)
    if body is None:
        await _refuse(send, 413, "Too large", f"A console form is at most {MAX_FORM_BYTES // 1024} KB.")
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        await _refuse(send, 400, "Bad request", "The form's data is not UTF-8 text.")
        return None
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _header_pairs() -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in _HEADERS.items()]


class ConsoleGate:
    """Sends console paths through the session and CSRF layers (built on the first console
    request, once the data directory exists) and adds the security headers; other paths pass."""

    def __init__(self, app: ASGIApp, settings: Settings, is_console_path: Callable[[str], bool]):
        self.app = app
        self.settings = settings
        self.is_console_path = is_console_path
        self._protected: ASGIApp | None = None

    def _build(self) -> ASGIApp:
        secret = console_secret(self.settings)
        secure = self.settings.resolved_public_url.startswith("https:")
        sessions = SessionMiddleware(self.app, secret_key=secret, session_cookie=SESSION_COOKIE,
                                     max_age=SESSION_SECONDS, same_site="lax", https_only=secure)
        self.secret = secret
        return asgi_csrf(sessions, signing_secret=secret, always_protect={"/login"},
                         cookie_secure=secure, cookie_samesite="Lax", send_csrf_failed=_refuse_forged)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.is_console_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self._protected is None:
            self._protected = self._build()
        scope = dict(scope, console_secret=self.secret)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            checked = await _checked_form(receive, send)
            if checked is None:
                return
            receive = checked

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    headers.setdefault(name, value)
                if not scope["path"].startswith("/static/"):
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self._protected(scope, receive, with_headers)
