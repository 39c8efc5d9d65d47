"""Calls with Plivo's browser SDK in Chromium: WebRTC media (ICE, DTLS-SRTP, Opus) bridged into the
engine like any other leg; audio both ways, DTMF by SIP INFO, hangup from either side."""

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import customer  # noqa: F401  (the customer-app fixture)
from tests.voice.customer_app import CustomerApp
from tests.webrtc.browser_phone import BrowserPhone, launch
from tests.webrtc.wsclient import wait_until

pytestmark = pytest.mark.one_backend  # signalling on both backends: test_signalling.py

INBOUND_ENERGY = """async () => {
  const session = window.phone.client._currentSession;
  const pc = session && session.session && session.session.connection;
  if (!pc) { return -1; }
  let energy = 0;
  (await pc.getStats()).forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "audio") { energy += report.totalAudioEnergy || 0; }
  });
  return energy;
}"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def logged_in(server: LiveServer, sdk: RecordingClient, chromium: Any, name: str, app_id: str | None = None) -> tuple[BrowserPhone, str]:
    created = sdk.endpoints.create(username=name, password="s3cret!", alias=name, **({"app_id": app_id} if app_id else {}))
    phone = BrowserPhone(chromium, server.base_url)
    phone.run("([user, password]) => window.phone.client.login(user, password)", [created.username, "s3cret!"])
    phone.wait_for("onLogin")
    assert wait_until(lambda: sdk.endpoints.get(created.endpoint_id).sip_registered == "true")
    return phone, created.username


def test_an_api_call_rings_the_browser_audio_both_ways_dtmf_and_browser_hangup(
        sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, chromium: Any) -> None:  # noqa: F811
    phone, username = logged_in(sip_server, sip_sdk, chromium, "alice")
    loud_before = sip_server.app.state.sip.stats["loud_in"]
    customer.route("/answer", f'<Response><GetDigits action="{customer.url("/digits")}" numDigits="1" timeout="20">'
                              '<Speak loop="4">Hello volunteer, press a key when ready.</Speak></GetDigits></Response>')
    customer.route("/digits", '<Response><Speak loop="20">Thank you.</Speak></Response>')
    customer.route("/hangup", "")
    sip_sdk.calls.create(from_="14155550100", to_=f"sip:{username}@127.0.0.1", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"))
    caller, _headers, info = phone.wait_for("onIncomingCall", seconds=20)[0][:3]
    assert info["callUUID"]
    phone.run("() => window.phone.client.answer()")
    phone.wait_for("onCallAnswered", seconds=20)
    assert wait_until(lambda: phone.run(INBOUND_ENERGY) > 0.01, 20), "the browser heard nothing"
    phone.run("() => window.phone.client.sendDtmf('4')")
    digits = customer.wait_for("/digits", timeout=20)[0].params
    assert digits["Digits"] == "4"
    time.sleep(1.0)
    phone.run("() => window.phone.client.hangup()")
    hangup = customer.wait_for("/hangup", timeout=20)[0].params
    assert hangup["HangupCause"] == "NORMAL_CLEARING"
    assert hangup["CallUUID"] == info["callUUID"]
    assert wait_until(lambda: sip_server.app.state.sip.stats["loud_in"] > loud_before), "the platform heard nothing from the browser"
    assert not [url for url in phone.left if "plivo" in url], phone.left
    phone.close()
