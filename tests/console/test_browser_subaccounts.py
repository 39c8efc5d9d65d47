"""In headless Chromium: the sign-in page's two ways in (a console user's email and password, an
Auth ID and Auth Token) and the Sub Accounts page (create with an error beside the field, reveal
a subaccount's Auth Token, phone width). Screenshots as in test_browser.py."""

from pathlib import Path
from typing import Any

import pytest

from switchboard.accounts import users
from tests.console.test_browser import keep_screenshot, browser_page  # noqa: F401 (a fixture)
from tests.helpers import LiveServer, MainAccount

pytestmark = pytest.mark.one_backend
PASSWORD = "correct horse battery"


def _add_user(server: LiveServer, email: str, auth_id: str) -> None:
    async def add(app: Any) -> None:
        async with app.state.db.session() as session:
            await users.add_user(session, app.state.clock, email, auth_id, PASSWORD)

    server.call(add)


def test_sign_in_with_email_and_manage_subaccounts_in_chromium(server: LiveServer, account: MainAccount, browser_page,
                                                               tmp_path: Path, repo_root: Path) -> None:
    email = f"operator.{account.auth_id.lower()}@example.org"
    _add_user(server, email, account.auth_id)
    errors: list[str] = []
    page = browser_page.new_page(viewport={"width": 1200, "height": 820})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"{server.base_url}/")
    assert page.url.endswith("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in with email").click()
    assert page.get_by_role("alert").inner_text() == "authentication failed: wrong email or password"
    assert page.get_by_label("Email").input_value() == email and page.get_by_label("Password").input_value() == ""
    page.screenshot(path=tmp_path / "signin.png", full_page=True)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in with email").click()
    page.wait_for_url(f"{server.base_url}/")
    assert email in page.locator("header").inner_text()

    page.get_by_role("link", name="Sub Accounts").click()
    page.get_by_role("link", name="Create Sub Account").click()
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Create Sub Account").click()
    assert page.locator("#name-error").is_visible()
    page.get_by_label("Name").fill("Field office <b>north</b>")
    page.get_by_role("button", name="Create Sub Account").click()
    page.wait_for_url(f"{server.base_url}/subaccounts")
    with server.http(account) as api:
        created = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "Helpdesk", "enabled": False})
        assert created.status_code == 201
    page.reload()
    assert page.get_by_role("link", name="Field office <b>north</b>").count() == 1
    token = page.get_by_label("Auth Token of Helpdesk", exact=True)
    assert token.get_attribute("type") == "password"
    page.get_by_role("button", name="Reveal the Auth Token of Helpdesk").click()
    assert token.get_attribute("type") == "text" and token.input_value() == created.json()["auth_token"]
    page.screenshot(path=tmp_path / "subaccounts.png", full_page=True)
    page.get_by_role("link", name="Helpdesk").click()
    assert page.get_by_label("Enabled").is_checked() is False
    assert page.get_by_label("Cascade: also delete its applications and endpoints, and release its numbers").count() == 1
    page.screenshot(path=tmp_path / "subaccount-edit.png", full_page=True)

    phone = browser_page.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    for path in ("/subaccounts", "/subaccounts/new", "/login"):
        phone.goto(f"{server.base_url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path  # nothing wider than the phone
    phone.goto(f"{server.base_url}/subaccounts")
    phone.screenshot(path=tmp_path / "subaccounts-phone.png", full_page=True)

    with server.http(account) as api:
        subs = api.get(f"/v1/Account/{account.auth_id}/Subaccount/").json()["objects"]
    assert sorted((s["name"], s["enabled"]) for s in subs) == [("Field office <b>north</b>", True), ("Helpdesk", False)]
    assert errors == []  # no script refused by the Content-Security-Policy, no script error
    for shot in sorted(tmp_path.glob("*.png")):
        keep_screenshot(shot, repo_root)
