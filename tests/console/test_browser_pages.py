"""Headless Chromium on the Payments, Live Calls and Messaging pages: they render without a script
or style refused by the Content-Security-Policy, the live-call list updates by itself and hangs
up a call, a message is sent through the form, and every page fits a phone (390 px). Screenshots
as in test_browser.py (``UPDATE_SCREENSHOTS=1`` copies them to docs/console/)."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from switchboard.billing.service import charge_row
from tests.billing.conftest import Books, Months, billing_server, buy_number, holder, months, write_rows  # noqa: F401
from tests.console.helpers import browser_sign_in
from tests.console.test_browser import keep_screenshot, browser_page  # noqa: F401 (fixture)
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import Sim, clock_auto, customer  # noqa: F401 (fixture)
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import hold

pytestmark = pytest.mark.one_backend
PAGES = ("/payments/usage", "/payments/invoices", "/payments/history", "/payments/recurring", "/voice/calls",
         "/messaging/send", "/messaging/settings")


def usage_of_a_month(server: LiveServer, account: MainAccount, when: datetime, tag: str) -> None:
    main = account.auth_id
    write_rows(server, [
        charge_row(main, None, "call", f"{tag}-1-{main}", Decimal("0.04800"), when, country_iso="US", direction="outbound", quantity=240),
        charge_row(main, None, "call", f"{tag}-2-{main}", Decimal("0.00850"), when, country_iso="US", direction="inbound", quantity=60),
        charge_row(main, None, "call", f"{tag}-3-{main}", Decimal("0.05500"), when, country_iso="DE", direction="outbound", quantity=60),
        charge_row(main, None, "message", f"{tag}-4-{main}", Decimal("0.01300"), when, country_iso="US", direction="outbound", quantity=2),
    ])


def test_payments_live_calls_and_messaging_pages_in_chromium(billing_server: LiveServer, holder: MainAccount,
                                                             months: Months, customer: CustomerApp, browser_page,
                                                             tmp_path: Path, repo_root: Path) -> None:
    server, account = billing_server, holder
    months.advance_to(months.next_month(day=2))
    Books(server).credit(account.auth_id, "25")
    numbers = [buy_number(server, account), buy_number(server, account, "GB", "mobile")]
    usage_of_a_month(server, account, months.now(), "last")
    months.advance_to(months.next_month(day=3))
    usage_of_a_month(server, account, months.now(), "this")
    coupon = Books(server).coupon("10")
    with server.http(account) as api:
        assert api.post(f"/v1/Account/{account.auth_id}/Coupon/", json={"coupon_code": coupon}).status_code == 202

    errors: list[str] = []
    page = browser_page.new_page(viewport={"width": 1200, "height": 820})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"{server.base_url}/login")
    browser_sign_in(page, server.base_url, account)

    page.get_by_role("link", name="Usage").click()
    page.get_by_role("link", name="Last month").click()
    start, end = page.get_by_label("Start Date").input_value(), page.get_by_label("End Date").input_value()
    with server.http(account) as api:
        report = api.get(f"/v1/Account/{account.auth_id}/Usage/", params={"start_date": start, "end_date": end}).json()
    assert page.locator("#total-charges").inner_text() == f"${report['total_charges']}"
    assert Decimal(report["charges"]["calls"]) == Decimal("0.11150")
    page.get_by_role("link", name="This month").click()
    page.screenshot(path=tmp_path / "usage.png", full_page=True)

    page.get_by_role("link", name="Invoices").click()
    page.screenshot(path=tmp_path / "invoices.png", full_page=True)
    page.get_by_role("link", name="View invoice").first.click()
    assert page.locator("h1").inner_text().startswith("Invoice ")
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # its own style block is allowed
    page.screenshot(path=tmp_path / "invoice-printable.png", full_page=True)
    page.go_back()

    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="Credits").click()
    assert page.locator("tbody tr").count() == 2
    page.get_by_role("link", name="All", exact=True).click()
    page.screenshot(path=tmp_path / "history.png", full_page=True)
    page.get_by_role("link", name="Recurring Charges").click()
    assert page.get_by_text(f"+{numbers[1]}").count() == 1
    page.screenshot(path=tmp_path / "recurring.png", full_page=True)

    # Live Calls: a call placed after the page opened appears without a reload, and is hung up from it.
    sim = Sim(server, account)
    clock_auto(server, False)
    try:
        page.get_by_role("link", name="Live Calls").click()
        assert page.get_by_text("No live calls right now.").count() == 1
        customer.route("/answer", hold())
        customer.route("/hangup", "")
        sim.phone("14155550351", [{"ring": 0}])
        sdk = RecordingClient(server.base_url, account.auth_id, account.auth_token)
        uuid = sdk.calls.create(from_="14155550350", to_="14155550351", answer_url=customer.url("/answer"),
                                hangup_url=customer.url("/hangup")).request_uuid
        page.locator(f"#call-{uuid}").get_by_text("in-progress").wait_for(timeout=15000)
        page.screenshot(path=tmp_path / "live-calls.png", full_page=True)
        button = f"hangup-{uuid}"
        page.locator(f"#{button}").focus()
        page.evaluate("id => { document.getElementById(id).dataset.old = '1'; }", button)
        page.wait_for_function("id => !document.getElementById(id).dataset.old", arg=button)  # the poll swapped the list
        assert page.evaluate("document.activeElement.id") == button  # and the keyboard focus stayed on the button
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.base_url}/voice/calls?hungup={uuid}")
        assert page.locator(f"#call-{uuid}").count() == 0
        assert sim.record(uuid)["hangup_source"] == "API Request"
    finally:
        clock_auto(server, True)
        sim.http.close()

    page.get_by_role("link", name="Send a Message").click()
    page.get_by_label("From").fill(numbers[0])
    page.get_by_label("Text").fill("Your <b>code</b> is 1234")
    page.get_by_role("button", name="Send Message").click()
    assert "dst is required" in page.locator("#dst-error").inner_text()
    page.screenshot(path=tmp_path / "send-message-error.png", full_page=True)
    page.get_by_label("To").fill("14155550352")
    page.get_by_role("button", name="Send Message").click()
    page.wait_for_url("**/messaging/send?sent=*")
    assert page.locator("td.text").inner_text() == "Your <b>code</b> is 1234"
    page.screenshot(path=tmp_path / "send-message.png", full_page=True)

    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Number").fill(numbers[0])
    page.get_by_label("Handset").fill("+14155550352")
    page.get_by_role("button", name="Add Opt-out").click()
    assert page.get_by_role("button", name="Remove opt-out of +14155550352").count() == 1
    page.screenshot(path=tmp_path / "messaging-settings.png", full_page=True)

    phone = browser_page.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    for path in PAGES:
        phone.goto(f"{server.base_url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path  # nothing wider than the phone
    phone.goto(f"{server.base_url}/payments/usage")
    phone.screenshot(path=tmp_path / "usage-phone.png", full_page=True)
    assert errors == []
    for shot in sorted(tmp_path.glob("*.png")):
        keep_screenshot(shot, repo_root)
