"""Logs in headless Chromium: a simulated call's page with its timeline and recording player, the
lists refreshing themselves (htmx polling) when a call ends, the Debug tabs, the overview chart, and
the call list at phone width. Screenshots as in ``test_browser.py`` (``UPDATE_SCREENSHOTS=1``)."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.console.logs_data import call_row, insert_rows, message_row
from tests.console.helpers import browser_sign_in
from tests.console.test_browser import keep_screenshot, browser_page  # noqa: F401  (fixture)
from tests.helpers import LiveServer, MainAccount
from tests.voice.conftest import Sim, customer, sim, voice_account, voice_server  # noqa: F401  (fixtures)
from tests.voice.customer_app import CustomerApp
from tests.webhooks.helpers import flush, notify

pytestmark = pytest.mark.one_backend

ANSWER = ('<Response><Speak>Thanks for calling the &lt;b&gt;hotline&lt;/b&gt;.</Speak>'
          '<Record maxLength="2" playBeep="false" fileFormat="wav"/></Response>')


def test_logs_pages_in_chromium(voice_server: LiveServer, voice_account: MainAccount, sim: Sim,  # noqa: F811
                                customer: CustomerApp, browser_page, tmp_path: Path, repo_root: Path) -> None:  # noqa: F811
    customer.route("/answer", ANSWER)
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    now = datetime.now(timezone.utc)
    insert_rows(voice_server,
                calls=[call_row(voice_account.auth_id, index, end=now - timedelta(hours=5 * index)) for index in range(1, 60)],
                messages=[message_row(voice_account.auth_id, index, text=f"Your code is {index:06d} <b>",
                                      when=now - timedelta(hours=7 * index)) for index in range(1, 24)])
    notify(voice_server, voice_account, "http://127.0.0.1:9/status#rc=0", {"MessageUUID": "m-1", "Status": "sent"},
           event="message status")

    errors: list[str] = []
    page = browser_page.new_page(viewport={"width": 1200, "height": 900})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"{voice_server.base_url}/login")
    browser_sign_in(page, voice_server.base_url, voice_account)

    page.get_by_role("link", name="Calls", exact=True).click()
    page.wait_for_url("**/logs/calls")
    assert page.locator("#rows tbody tr").count() == 20
    sim.phone("14155557101", [])
    call_uuid = sim.call("14155557101", number, [{"say": "hello"}, {"wait": 6}])
    sim.record(call_uuid)
    # the list shows the new call by itself (polling), without a reload
    page.locator(f'a[href="/logs/calls/{call_uuid}"]').wait_for(timeout=15_000)
    page.screenshot(path=tmp_path / "logs-calls.png", full_page=True)

    customer.wait_for("/hangup")
    flush(voice_server)
    page.locator(f'a[href="/logs/calls/{call_uuid}"]').click()
    page.wait_for_url(f"**/logs/calls/{call_uuid}")
    assert page.locator("ol.timeline > li").count() >= 2
    assert "&lt;b&gt;hotline" in page.locator("ol.timeline pre.body").first.inner_text()
    assert page.locator("audio").count() == 1
    ready = page.evaluate("""async () => { const audio = document.querySelector('audio');
        audio.preload = 'auto'; audio.load();
        await new Promise((done) => { audio.oncanplay = done; audio.onerror = done; });
        return audio.error ? 'error ' + audio.error.code : audio.duration; }""")
    assert isinstance(ready, (int, float)) and ready > 0.5, ready  # the browser plays the file the session fetched
    page.screenshot(path=tmp_path / "logs-call.png", full_page=True)

    page.get_by_role("link", name="Messages", exact=True).click()
    page.wait_for_url("**/logs/messages")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Message State").select_option("failed")
    page.get_by_role("button", name="Apply Filters").click()
    page.wait_for_url("**message_state=failed**")
    assert page.locator("#rows tbody tr").count() == 7
    assert page.get_by_text("Your code is 000003 <b>").count() == 1  # text, not markup
    page.screenshot(path=tmp_path / "logs-messages.png", full_page=True)

    page.get_by_role("link", name="Recordings", exact=True).click()
    page.wait_for_url("**/logs/recordings")
    assert page.locator("#rows audio").count() == 1
    page.screenshot(path=tmp_path / "logs-recordings.png", full_page=True)
    page.get_by_role("link", name="Delete").first.click()
    page.screenshot(path=tmp_path / "logs-recording-delete.png", full_page=True)
    page.get_by_role("button", name="Delete Recording").click()
    page.wait_for_url("**/logs/recordings?deleted=*")
    assert page.locator("audio").count() == 0

    page.get_by_role("link", name="Debug", exact=True).click()
    page.get_by_role("link", name="Error", exact=True).click()
    page.wait_for_url("**/logs/debug?errors=true")
    page.get_by_text("http://127.0.0.1:9/status").first.wait_for()
    page.screenshot(path=tmp_path / "logs-debug.png", full_page=True)

    page.get_by_role("link", name="Overview").click()
    page.wait_for_url(f"{voice_server.base_url}/")
    assert page.locator("svg[role=img] rect.calls").count() == 14
    page.screenshot(path=tmp_path / "overview-activity.png", full_page=True)

    phone = browser_page.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{voice_server.base_url}/logs/calls")
    phone.screenshot(path=tmp_path / "logs-calls-phone.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    for shot in sorted(tmp_path.glob("*.png")):
        keep_screenshot(shot, repo_root)
