"""A real headless Chromium (Debian's ``chromium``, driven by Playwright) signs in and adds an
XML application through the form. Screenshots go to ``tmp_path``; with ``UPDATE_SCREENSHOTS=1``
they replace the ones in ``docs/console/`` that docs/console.md shows."""

import os
import shutil
from pathlib import Path

import pytest

from tests.console.helpers import browser_sign_in
from tests.helpers import LiveServer, MainAccount

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.one_backend  # the pages' queries are covered on both backends by the other console tests


@pytest.fixture
def browser_page():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: `make install-test` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: `make install-test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def keep_screenshot(shot: Path, repo_root: Path) -> None:
    """Check a screenshot is a real picture; with ``UPDATE_SCREENSHOTS=1`` copy it to docs/console/."""
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 5000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copy(shot, repo_root / "docs" / "console" / shot.name)


def test_sign_in_and_add_an_application_in_chromium(server: LiveServer, account: MainAccount, browser_page,
                                                    tmp_path: Path, repo_root: Path) -> None:
    errors: list[str] = []
    page = browser_page.new_page(viewport={"width": 1200, "height": 820})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"{server.base_url}/")
    assert page.url.endswith("/login")
    browser_sign_in(page, server.base_url, account)
    token = page.locator("#auth-token")
    assert token.get_attribute("type") == "password"
    page.get_by_role("button", name="Reveal").click()
    assert token.get_attribute("type") == "text"
    assert page.get_by_role("button", name="Hide").count() == 1
    page.screenshot(path=tmp_path / "overview.png", full_page=True)

    page.get_by_role("link", name="XML Applications").click()
    page.get_by_role("link", name="Add New Application").click()
    page.get_by_label("Application Name").fill("Hotline <b>IVR</b>")
    page.get_by_label("Answer URL", exact=True).fill("not a url")
    page.get_by_role("button", name="Create Application").click()
    assert "must be an absolute http:// or https:// URL" in page.locator("#answer_url-error").inner_text()
    page.screenshot(path=tmp_path / "application-error.png", full_page=True)
    page.get_by_label("Answer URL", exact=True).fill("https://example.org/answer")
    page.get_by_label("Hangup URL").fill("https://example.org/hangup")
    page.get_by_role("button", name="Create Application").click()
    page.wait_for_url(f"{server.base_url}/voice/applications")
    assert page.get_by_role("link", name="Hotline <b>IVR</b>").count() == 1
    page.screenshot(path=tmp_path / "applications.png", full_page=True)

    phone = browser_page.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{server.base_url}/voice/applications/new")
    phone.screenshot(path=tmp_path / "application-form-phone.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    with server.http(account) as api:
        [app] = api.get(f"/v1/Account/{account.auth_id}/Application/").json()["objects"]
    assert (app["app_name"], app["answer_url"], app["hangup_method"]) == (
        "Hotline <b>IVR</b>", "https://example.org/answer", "POST")
    assert errors == []  # no script refused by the Content-Security-Policy, no script error
    for shot in sorted(tmp_path.glob("*.png")):
        keep_screenshot(shot, repo_root)
