"""The operator's setup guide in a real headless Chromium, end to end: sign in with the Auth ID
and Auth Token, buy a US voice number, add an XML application, point the number at it, create an
endpoint (each result checked through the REST API), then a call from the Simulator page reaches
the application and appears under Logs > Calls with its answer-URL request. Screenshots of each
page go to ``tmp_path`` (with ``UPDATE_SCREENSHOTS=1`` to ``docs/console/``)."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.console.helpers import browser_sign_in
from tests.console.test_browser import browser_page, keep_screenshot
from tests.helpers import LiveServer, MainAccount
from tests.voice.conftest import customer
from tests.voice.customer_app import CustomerApp

pytestmark = pytest.mark.one_backend
__all__ = ["browser_page", "customer"]
GREETING = "Welcome to the hotline"


def test_the_setup_guide_end_to_end(server: LiveServer, account: MainAccount, browser_page: Any,
                                    customer: CustomerApp, tmp_path: Path, repo_root: Path) -> None:
    customer.route("/answer", f"<Response><Speak>{GREETING}</Speak></Response>")
    customer.route("/hangup", "")
    base = f"/v1/Account/{account.auth_id}"
    problems: list[str] = []
    page = browser_page.new_page(viewport={"width": 1200, "height": 900})
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None)

    nav = page.get_by_role("navigation", name="Console")

    def shot(name: str) -> None:
        page.screenshot(path=tmp_path / f"{name}.png", full_page=True)

    page.goto(f"{server.base_url}/")
    browser_sign_in(page, server.base_url, account)

    # Phone Numbers > Buy Numbers: the US, numbers with voice
    nav.get_by_role("link", name="Buy Numbers").click()
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Type").select_option("local")
    page.get_by_label("Voice").check()
    page.get_by_label("Region").fill("California")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*/numbers/buy\?.*country_iso=US.*"))
    first = page.locator("#results tbody tr").first
    number = first.locator("code").inner_text().lstrip("+")
    shot("buy-numbers")
    first.get_by_role("button", name=f"Buy +{number}").click()
    page.wait_for_url(re.compile(rf".*/numbers/{number}\?bought=1"))
    with server.http(account) as api:
        held = api.get(f"{base}/Number/{number}/").json()
    assert held["voice_enabled"] is True and held["region"].startswith("California")

    # Voice > XML Applications > Add New Application
    nav.get_by_role("link", name="XML Applications").click()
    page.get_by_role("link", name="Add New Application").click()
    page.get_by_label("Application Name").fill("Hotline")
    page.get_by_label("Answer URL", exact=True).fill(customer.url("/answer"))
    page.get_by_label("Hangup URL").fill(customer.url("/hangup"))
    page.get_by_role("button", name="Create Application").click()
    page.wait_for_url(f"{server.base_url}/voice/applications")
    with server.http(account) as api:
        [app] = api.get(f"{base}/Application/").json()["objects"]
    assert (app["app_name"], app["answer_url"], app["answer_method"], app["hangup_url"], app["hangup_method"]) == (
        "Hotline", customer.url("/answer"), "POST", customer.url("/hangup"), "POST")

    # Phone Numbers > Your Numbers: open the number, choose the application, Update
    nav.get_by_role("link", name="Your Numbers").click()
    page.get_by_role("link", name=f"+{number}").click()
    page.get_by_label("Application").select_option(app["app_id"])
    page.get_by_label("Alias").fill("Hotline line")
    page.get_by_role("button", name="Update", exact=True).click()
    page.wait_for_url(re.compile(rf".*/numbers/{number}\?updated=1"))
    shot("number")
    with server.http(account) as api:
        held = api.get(f"{base}/Number/{number}/").json()
    assert held["application"] == f"{base}/Application/{app['app_id']}/" and held["alias"] == "Hotline line"

    nav.get_by_role("link", name="Your Numbers").click()
    assert page.locator("#numbers tbody tr").first.get_by_role("link", name="Hotline").count() == 1
    shot("your-numbers")
    page.get_by_role("link", name=f"+{number}").click()

    # Release asks first (a page, no JavaScript needed): look, then cancel
    page.get_by_role("link", name="Release Number").click()
    shot("number-release")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(f"{server.base_url}/numbers/{number}")

    # Voice > Endpoints: create an endpoint for the browser phone
    nav.get_by_role("link", name="Endpoints").click()
    page.get_by_role("link", name="Create Endpoint").click()
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill("abc")
    page.get_by_label("Alias").fill("")
    page.get_by_role("button", name="Create Endpoint").click()
    assert page.locator("#alias-error").inner_text().startswith("alias")
    assert page.locator("#password-error").inner_text().startswith("password")
    shot("endpoint-error")
    page.get_by_label("Password").fill("a-long-secret")
    page.get_by_label("Alias").fill("Operator browser phone")
    page.get_by_label("Application").select_option(app["app_id"])
    page.get_by_role("button", name="Create Endpoint").click()
    page.wait_for_url(re.compile(r".*/voice/endpoints/\d+\?created=1"))
    shot("endpoint")
    with server.http(account) as api:
        [endpoint] = api.get(f"{base}/Endpoint/").json()["objects"]
    assert re.fullmatch(r"operator\d{12}", endpoint["username"]) and endpoint["alias"] == "Operator browser phone"
    assert endpoint["application"] == f"{base}/Application/{app['app_id']}/"
    assert page.locator("#sip-uri").inner_text() == endpoint["sip_uri"]
    nav.get_by_role("link", name="Endpoints").click()
    shot("endpoints")

    # Carriers: add an incoming carrier, then look at both lists
    nav.get_by_role("link", name="Carriers").click()
    page.get_by_role("link", name="Add Incoming Carrier").click()
    page.get_by_label("Name").fill("my-trunk")
    page.get_by_label("IP Set").fill("192.0.2.10, 192.0.2.300")
    page.get_by_role("button", name="Create Incoming Carrier").click()
    assert "not an IP address" in page.locator("#ip_set-error").inner_text()
    shot("carrier-error")
    page.get_by_label("IP Set").fill("192.0.2.10, 198.51.100.0/24")
    page.get_by_role("button", name="Create Incoming Carrier").click()
    page.wait_for_url(f"{server.base_url}/carriers")
    shot("carriers")
    with server.http(account) as api:
        [carrier] = api.get(f"{base}/IncomingCarrier/").json()["objects"]
    assert (carrier["name"], carrier["ip_set"]) == ("my-trunk", "192.0.2.10,198.51.100.0/24")

    # Simulator: a simulated phone calls the number; the application answers it ...
    nav.get_by_role("link", name="Simulator").click()
    page.locator("#call-from").fill("14155550199")
    page.locator("#call-to").select_option(number)
    page.get_by_role("button", name="Call", exact=True).last.click()
    page.wait_for_url(re.compile(r".*/simulator/calls/[0-9a-f-]{36}$"))
    call_uuid = page.url.rsplit("/", 1)[1]
    page.locator("strong.state-completed").wait_for(timeout=60_000)  # the live view polls until the end
    [answered] = customer.requests_to("/answer")
    assert answered.params["CallUUID"] == call_uuid and answered.params["To"] == number

    # ... and the call is under Logs > Calls, its timeline showing the answer-URL request and its XML
    nav.get_by_role("link", name="Calls", exact=True).click()
    page.get_by_role("link", name=f"Call {call_uuid}").click()
    page.wait_for_url(f"{server.base_url}/logs/calls/{call_uuid}")
    answer = page.locator("ol.timeline > li").filter(has_text=customer.url("/answer"))
    assert "200" in answer.locator("p").first.inner_text()
    assert GREETING in answer.locator("pre.body").inner_text()
    answer.get_by_text("Parameters sent").click()
    assert call_uuid in answer.locator("table.params").inner_text()

    phone = browser_page.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    for path, name in (("/numbers/buy?country_iso=US&services=voice", "buy-numbers-phone"),
                       (f"/numbers/{number}", "number-phone"), ("/voice/endpoints", "endpoints-phone")):
        phone.goto(f"{server.base_url}{path}")
        if name == "buy-numbers-phone":
            phone.screenshot(path=tmp_path / f"{name}.png", full_page=True)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path  # nothing wider than the phone

    assert problems == []  # no script refused by the Content-Security-Policy, no script error
    for picture in sorted(tmp_path.glob("*.png")):
        keep_screenshot(picture, repo_root)
