"""Calls with Plivo's browser SDK in Chromium: WebRTC media (ICE, DTLS-SRTP, Opus) bridged into the
engine like any other leg; audio both ways, DTMF by SIP INFO, hangup from either side."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.network.sip.peers import Baresip
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


INBOUND_CODEC = """async () => {
  const session = window.phone.client._currentSession;
  const pc = session && session.session && session.session.connection;
  if (!pc) { return null; }
  const stats = await pc.getStats();
  let codec = null;
  stats.forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "audio" && report.codecId && stats.get(report.codecId)) {
      codec = stats.get(report.codecId).mimeType;
    }
  });
  return codec;
}"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def logged_in(server: LiveServer, sdk: RecordingClient, chromium: Any, name: str, app_id: str | None = None,
              codecs: str = "OPUS,PCMU") -> tuple[BrowserPhone, str]:
    created = sdk.endpoints.create(username=name, password="s3cret!", alias=name, **({"app_id": app_id} if app_id else {}))
    phone = BrowserPhone(chromium, server.base_url, codecs)
    phone.run("([user, password]) => window.phone.client.login(user, password)", [created.username, "s3cret!"])
    phone.wait_for("onLogin")
    assert wait_until(lambda: sdk.endpoints.get(created.endpoint_id).sip_registered == "true")
    return phone, created.username


@pytest.mark.parametrize(("codecs", "mime_type"), [("OPUS,PCMU", "audio/opus"), ("PCMU", "audio/PCMU")])
def test_an_api_call_rings_the_browser_audio_both_ways_dtmf_and_browser_hangup(
        sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, chromium: Any,  # noqa: F811
        codecs: str, mime_type: str) -> None:
    phone, username = logged_in(sip_server, sip_sdk, chromium, "alice", codecs=codecs)
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
    assert phone.run(INBOUND_CODEC) == mime_type
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


def test_a_token_browser_calls_into_the_endpoints_ivr_and_the_platform_hangs_up(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp,  # noqa: F811
        chromium: Any) -> None:
    app = sip_sdk.applications.create(app_name="hotline", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    created = sip_sdk.endpoints.create(username="volunteer", password="s3cret!", alias="Volunteer", app_id=app.app_id)
    token = sip_sdk.token.create(sip_account.auth_id, sub=created.username, incoming_allow=True, outgoing_allow=True).token
    customer.route("/answer", '<Response><Speak>Welcome to the hotline.</Speak><Wait length="1"/></Response>')
    customer.route("/hangup", "")
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("(token) => window.phone.client.loginWithAccessToken(token)", token)
    phone.wait_for("onLogin")
    phone.run("() => window.phone.client.call('14155550199', {'X-PH-Ticket': '42'})")
    answer = customer.wait_for("/answer", timeout=20)[0].params
    assert answer["From"] == f"sip:{created.username}@{sip_server.settings.resolved_sip_domain}"
    assert (answer["To"], answer["Direction"], answer.get("X-PH-Ticket")) == ("14155550199", "inbound", "42")
    answered = phone.wait_for("onCallAnswered", seconds=20)[0][0]
    assert answered["callUUID"] == answer["CallUUID"]
    assert wait_until(lambda: phone.run(INBOUND_ENERGY) > 0.01, 20), "the browser heard nothing"
    hangup = customer.wait_for("/hangup", timeout=20)[0].params
    assert hangup["HangupCause"] == "NORMAL_CLEARING" and hangup["CallUUID"] == answer["CallUUID"]
    phone.wait_for("onCallTerminated", seconds=20)
    phone.close()


def test_an_outgoing_only_token_cannot_receive_and_an_incoming_only_token_cannot_call(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp,  # noqa: F811
        chromium: Any) -> None:
    app = sip_sdk.applications.create(app_name="hotline", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    created = sip_sdk.endpoints.create(username="listener", password="s3cret!", alias="Listener", app_id=app.app_id)
    customer.route("/answer", '<Response><Speak>Hello.</Speak></Response>')
    customer.route("/hangup", "")
    incoming_only = sip_sdk.token.create(sip_account.auth_id, sub=created.username, incoming_allow=True).token
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("(token) => window.phone.client.loginWithAccessToken(token)", incoming_only)
    phone.wait_for("onLogin")
    assert phone.run("() => window.phone.client.call('14155550199')") is False  # the SDK itself refuses
    phone.close()

    outgoing_only = sip_sdk.token.create(sip_account.auth_id, sub=created.username, outgoing_allow=True).token
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("(token) => window.phone.client.loginWithAccessToken(token)", outgoing_only)
    phone.wait_for("onLogin")
    assert sip_sdk.endpoints.get(created.endpoint_id).sip_registered == "false"  # nothing to ring
    sip_sdk.calls.create(from_="14155550100", to_=f"sip:{created.username}@127.0.0.1", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"))
    hangup = customer.wait_for("/hangup", timeout=30)[0].params
    assert hangup["HangupCause"] != "NORMAL_CLEARING" and not phone.events("onIncomingCall")
    phone.close()


def test_a_hotline_dial_rings_two_browsers_and_a_phone_the_first_to_answer_wins(
        sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, chromium: Any,  # noqa: F811
        tmp_path: Path) -> None:
    domain = sip_server.settings.resolved_sip_domain
    first, first_user = logged_in(sip_server, sip_sdk, chromium, "first")
    second, second_user = logged_in(sip_server, sip_sdk, chromium, "second")
    desk = sip_sdk.endpoints.create(username="desk", password="s3cret!", alias="Desk phone")
    phone = Baresip(tmp_path / "baresip", sip_server.sip_port, desk.username, "s3cret!", answermode="manual")  # type: ignore[attr-defined]
    try:
        assert wait_until(lambda: sip_sdk.endpoints.get(desk.endpoint_id).sip_registered == "true", 15)
        phone.listen()
        customer.route("/answer", f'<Response><Dial callerId="14155550100"><User>sip:{first_user}@{domain}</User>'
                                  f'<User>sip:{second_user}@{domain}</User><User>sip:{desk.username}@{domain}</User>'
                                  '</Dial></Response>')
        customer.route("/hangup", "")
        app = sip_sdk.applications.create(app_name="hotline", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
        caller, _ = logged_in(sip_server, sip_sdk, chromium, "caller", app_id=app.app_id)
        caller.run("() => window.phone.client.call('14155550123')")
        first.wait_for("onIncomingCall", seconds=20)
        second.wait_for("onIncomingCall", seconds=20)
        phone.wait_event("CALL_INCOMING")
        second.run("() => window.phone.client.answer()")
        second.wait_for("onCallAnswered", seconds=20)
        first.wait_for("onIncomingCallCanceled", seconds=20)
        phone.wait_event("CALL_CLOSED")
        assert wait_until(lambda: second.run(INBOUND_ENERGY) > 0.01, 20), "the winner hears nothing of the caller"
        assert wait_until(lambda: caller.run(INBOUND_ENERGY) > 0.01, 20), "the caller hears nothing of the winner"
        second.run("() => window.phone.client.hangup()")
        caller.wait_for("onCallTerminated", seconds=20)
    finally:
        phone.stop()
    for browser in (first, second, caller):
        browser.close()


def test_the_tokens_app_runs_the_browsers_calls_instead_of_the_endpoints(
        sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp,  # noqa: F811
        chromium: Any) -> None:
    own = sip_sdk.applications.create(app_name="own", answer_url=customer.url("/own"), hangup_url=customer.url("/hangup"))
    campaign = sip_sdk.applications.create(app_name="campaign", answer_url=customer.url("/campaign"),
                                           hangup_url=customer.url("/hangup"))
    created = sip_sdk.endpoints.create(username="agent", password="s3cret!", alias="Agent", app_id=own.app_id)
    token = sip_sdk.token.create(sip_account.auth_id, sub=created.username, outgoing_allow=True, app=campaign.app_id).token
    customer.route("/campaign", "<Response><Speak>Campaign line.</Speak></Response>")
    customer.route("/own", "<Response><Speak>Own line.</Speak></Response>")
    customer.route("/hangup", "")
    phone = BrowserPhone(chromium, sip_server.base_url)
    phone.run("(token) => window.phone.client.loginWithAccessToken(token)", token)
    phone.wait_for("onLogin")
    phone.run("() => window.phone.client.call('14155550199', {})")  # with a token the SDK needs the headers object
    answer = customer.wait_for("/campaign", timeout=20)[0].params
    assert answer["From"] == f"sip:{created.username}@{sip_server.settings.resolved_sip_domain}"
    customer.wait_for("/hangup", timeout=20)
    assert not customer.requests_to("/own")
    phone.close()
