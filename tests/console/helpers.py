"""A browser-less console user: httpx with the console's cookies and its CSRF token."""

import html
import re
from typing import Any

import httpx

from tests.helpers import LiveServer, MainAccount

_TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


class ConsoleUser:
    def __init__(self, server: LiveServer):
        self.http = httpx.Client(base_url=server.base_url, timeout=10)
        self.token = ""

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.get(path, **kwargs)
        found = _TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any], *, token: bool = True) -> httpx.Response:
        """A form post as the page's form sends it; ``token=False`` leaves the CSRF token out."""
        return self.http.post(path, data={**data, "csrftoken": self.token} if token else data)

    def sign_in(self, auth_id: str, auth_token: str) -> httpx.Response:
        self.get("/login")
        return self.post("/login", {"auth_id": auth_id, "auth_token": auth_token})

    def sign_in_with_email(self, email: str, password: str) -> httpx.Response:
        self.get("/login")
        return self.post("/login", {"email": email, "password": password})

    def close(self) -> None:
        self.http.close()


def field_error(page: str, field: str) -> str | None:
    """The message shown beside ``field`` on a console form."""
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def signed_in(server: LiveServer, auth_id: str, auth_token: str) -> ConsoleUser:
    """A console user signed in with an Auth ID and Auth Token (the caller closes it)."""
    user = ConsoleUser(server)
    assert user.sign_in(auth_id, auth_token).status_code == 303
    return user


def browser_sign_in(page: Any, base_url: str, account: MainAccount) -> None:
    """Sign in on the open sign-in page of a headless Chromium with ``account``'s Auth ID and
    Auth Token, and wait for the Overview."""
    page.get_by_label("Auth ID").fill(account.auth_id)
    page.get_by_label("Auth Token").fill(account.auth_token)
    page.get_by_role("button", name="Sign in with Auth Token").click()
    page.wait_for_url(f"{base_url}/")
