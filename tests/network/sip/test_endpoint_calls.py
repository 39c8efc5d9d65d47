"""Calls to and from a registered endpoint, with baresip as the softphone: the API calls it (it
auto-answers, hears our speech, presses keys), and it calls the platform (407 digest, then the
endpoint's application runs)."""

import time
from pathlib import Path

from tests.helpers import LiveServer, RecordingClient
from tests.network.sip.peers import Baresip, wav_rms
from tests.network.sip.test_registrar import PASSWORD, wait_until
from tests.voice.customer_app import CustomerApp

IVR = """<Response>
  <GetDigits action="{action}" numDigits="2" timeout="15">
    <Speak>Hello from Switchboard. This is a real call over RTP.</Speak><Speak>Press two keys.</Speak>
  </GetDigits>
</Response>"""  # the keys count from the answer on: on a loaded machine the greeting may still be playing


def registered_phone(sdk: RecordingClient, server: LiveServer, directory: Path, app_id: str | None = None) -> tuple[Baresip, str, str]:
    kwargs = {"app_id": app_id} if app_id else {}
    created = sdk.endpoints.create(username="softphone", password=PASSWORD, alias="baresip", **kwargs)
    phone = Baresip(directory, server.sip_port, created.username, PASSWORD)  # type: ignore[attr-defined]
    if not wait_until(lambda: sdk.endpoints.get(created.endpoint_id).sip_registered == "true"):
        output = phone.stop()
        raise AssertionError(f"baresip did not register; it printed:\n{output[-3000:]}")
    return phone, created.endpoint_id, created.username


def test_an_api_call_reaches_the_registered_softphone_with_audio_and_digits(
    sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, tmp_path: Path
) -> None:
    phone, _, username = registered_phone(sip_sdk, sip_server, tmp_path / "baresip")
    try:
        customer.route("/answer", IVR.format(action=customer.url("/digits")))
        customer.route("/digits", "<Response><Speak>Thanks.</Speak></Response>")
        customer.route("/hangup", "")
        sip_sdk.calls.create(from_="14155550100", to_=f"sip:{username}@127.0.0.1", answer_url=customer.url("/answer"),
                             hangup_url=customer.url("/hangup"))
        answer = customer.wait_for("/answer", timeout=20)[0].params
        assert answer["Direction"] == "outbound" and answer["To"] == f"sip:{username}@127.0.0.1"
        time.sleep(4.0)  # the greeting plays; then the keys
        phone.command("sndcode", "4")
        time.sleep(0.5)
        phone.command("sndcode", "2")
        digits = customer.wait_for("/digits", timeout=20)[0].params
        assert digits["Digits"] == "42"
        hangup = customer.wait_for("/hangup", timeout=20)[0].params
        assert hangup["HangupCause"] == "NORMAL_CLEARING" and int(hangup["Duration"]) >= 4
    finally:
        phone.stop()
    heard = phone.heard()
    assert heard, "baresip dumped no received audio"
    assert max(wav_rms(path) for path in heard) > 200, "the phone heard only silence"


def test_the_softphone_calls_in_and_runs_the_endpoints_application(
    sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, tmp_path: Path
) -> None:
    app = sip_sdk.applications.create(app_name="desk phones", answer_url=customer.url("/answer"),
                                      hangup_url=customer.url("/hangup"))
    phone, _, username = registered_phone(sip_sdk, sip_server, tmp_path / "baresip", app.app_id)
    try:
        customer.route("/answer", "<Response><Speak>You called the desk line.</Speak><Wait length=\"1\"/></Response>")
        customer.route("/hangup", "")
        phone.command("dial", f"sip:14155550199@127.0.0.1:{sip_server.sip_port}")  # type: ignore[attr-defined]
        answer = customer.wait_for("/answer", timeout=20)[0].params
        assert answer["From"] == f"sip:{username}@127.0.0.1" and answer["To"] == "14155550199"
        assert answer["Direction"] == "inbound"
        hangup = customer.wait_for("/hangup", timeout=20)[0].params
        assert hangup["HangupCause"] == "NORMAL_CLEARING"
    finally:
        phone.stop()
    assert any(wav_rms(path) > 200 for path in phone.heard())
