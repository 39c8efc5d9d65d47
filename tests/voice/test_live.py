"""Live call control through the SDK: live and queued lists, hang up, cancel, transfer, and
Play/Speak/DTMF on a call in progress. The virtual clock is held still here (real time flows), so
that the calls stay up while the test acts on them."""

import io
import time
import wave
from typing import Any

import pytest
from plivo import exceptions, plivoxml

from tests import go_sdk_types as go
from tests.helpers import assert_plivo_shape
from tests.voice.conftest import Sim, kinds, still_clock  # noqa: F401  (still_clock: kept importable from here)
from tests.voice.customer_app import CustomerApp

CALLER = "14155550299"


def wav(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def hold() -> str:
    response = plivoxml.ResponseElement()
    response.add_wait(length=120)
    return response.to_string()


def wait_until(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_live_call_control(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    customer.route("/answer", hold())
    customer.route("/hangup", "")
    customer.route("/beep.wav", wav(1.5))
    customer.route("/transfer", "<Response><Speak>You were transferred.</Speak><Wait length=\"120\"/></Response>")
    sim.phone("14155550201", [{"ring": 0}])
    uuid = sdk.calls.create(from_=CALLER, to_="14155550201", answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/answer")

    live = sdk.live_calls.list_ids()
    assert uuid in sdk.last_json()["calls"]
    assert_plivo_shape(sdk.last_json(), "liveCallListGetResponse")
    sdk.live_calls.get(uuid)
    assert_plivo_shape(sdk.last_json(), "liveCallGetResponse", extra=tuple(go.LIVE_CALL))
    assert sdk.last_json()["call_status"] == "in-progress" and sdk.last_json()["direction"] == "outbound"
    assert live is not None

    sdk.calls.speak(uuid, "This is an announcement.", voice="MAN")
    assert sdk.last_status == 202 and sdk.last_json()["message"] == "speak started"
    sdk.calls.play(uuid, customer.url("/beep.wav"))
    assert sdk.last_status == 202 and sdk.last_json()["message"] == "play started"
    sdk.calls.send_digits(uuid, "1234")
    assert sdk.last_status == 202 and sdk.last_json()["message"] == "digits sent"
    sdk.calls.speak_stop(uuid)
    sdk.calls.play_stop(uuid)

    sdk.calls.update(uuid, legs="aleg", aleg_url=customer.url("/transfer"))
    assert sdk.last_status == 202 and sdk.last_json()["message"] == "call transfered"
    transfer = customer.wait_for("/transfer")[0].params
    assert transfer["CallUUID"] == uuid and transfer["CallStatus"] == "in-progress"

    log = wait_until(lambda: [e for e in sim.log("14155550201") if e["kind"] == "heard_speech"
                              and e["text"] == "You were transferred."] and sim.log("14155550201"))
    assert any(e.get("text") == "This is an announcement." and e.get("overlay") for e in log)
    assert any(e["kind"] == "heard_audio" and e["seconds"] == 1.5 for e in log)
    assert any(e["kind"] == "received_digits" and e["digits"] == "1234" for e in log)

    sdk.calls.delete(uuid)
    assert sdk.last_status == 204
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupSource"] == "API Request" and hangup["HangupCauseCode"] == "4000"
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.delete(uuid)
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.speak(uuid, "too late")
    assert uuid not in (sdk.live_calls.list_ids() and sdk.last_json()["calls"])


def test_cancel_ringing_request(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    customer.route("/hangup", "")
    sim.phone("14155550202", [{"ring": 60}])
    uuid = sdk.calls.create(from_=CALLER, to_="14155550202", answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    wait_until(lambda: any(e.get("state") == "ringing" for e in sim.log("14155550202")))
    sdk.live_calls.get(uuid)
    assert sdk.last_json()["call_status"] == "ringing"
    sdk.calls.cancel(uuid)
    assert sdk.last_status == 204
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["CallStatus"] == "cancel" and hangup["HangupCauseCode"] == "1000"
    assert hangup["HangupSource"] == "API Request"
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.calls.cancel(uuid)
    assert [e["state"] for e in kinds(sim.log("14155550202"), "call")][-1] == "ended"


def test_live_control_mistakes_are_4xx(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    customer.route("/answer", hold())
    sim.phone("14155550203", [{"ring": 0}])
    uuid = sdk.calls.create(from_=CALLER, to_="14155550203", answer_url=customer.url("/answer")).request_uuid
    customer.wait_for("/answer")
    base = f"/v1/Account/{sim.account.auth_id}/Call/{uuid}/"
    for path, body in (("", {"legs": "bleg", "bleg_url": customer.url("/x")}), ("", {"legs": "aleg"}),
                       ("Play/", {"urls": "ftp://nope"}), ("Play/", {"urls": customer.url("/missing.wav")}),
                       ("Speak/", {"text": "hi", "voice": "ROBOT"}), ("DTMF/", {"digits": "12x"}),
                       ("DTMF/", {"digits": "1", "leg": "bleg"})):
        response = sim.http.post(base + path, json=body)
        assert response.status_code == 400, (path, body, response.text)
    assert sim.http.get(f"/v1/Account/{sim.account.auth_id}/Call/", params={"status": "dead"}).status_code == 400
    assert sim.http.delete(f"/v1/Account/{sim.account.auth_id}/Call/not-a-call/").status_code == 404
    other = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Call/{uuid}/", params={"status": "queued"})
    assert other.status_code == 404
    sdk.calls.delete(uuid)


def test_live_play_loop_length_and_mix_false(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    prompt = plivoxml.ResponseElement()
    prompt.add_speak("Please hold while we find an agent. " * 20)
    prompt.add_wait(length=120)
    customer.route("/answer", prompt.to_string())
    customer.route("/tone.wav", wav(0.5))
    sim.phone("14155550204", [{"ring": 0}])
    uuid = sdk.calls.create(from_=CALLER, to_="14155550204", answer_url=customer.url("/answer")).request_uuid
    customer.wait_for("/answer")
    wait_until(lambda: kinds(sim.log("14155550204"), "heard_speech"))
    sdk.calls.play(uuid, customer.url("/tone.wav"), loop=True, length=2, mix=False)
    log = wait_until(lambda: (lambda entries: entries if len(kinds(entries, "heard_audio")) >= 3 else None)(
        sim.log("14155550204")))
    assert "interrupted_after" in kinds(log, "heard_speech")[0]  # mix=false cut the prompt short
    time.sleep(2.5)
    plays = len(kinds(sim.log("14155550204"), "heard_audio"))
    time.sleep(1.0)
    assert len(kinds(sim.log("14155550204"), "heard_audio")) == plays <= 6  # length=2 s stopped the loop
    sdk.calls.delete(uuid)


def test_play_speak_and_digits_to_the_b_leg_of_a_dial(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    """``legs=bleg``/``both`` (``leg=bleg`` for digits) reach the party the call is bridged to."""
    dial = plivoxml.ResponseElement()
    bridge = plivoxml.DialElement(callback_url=customer.url("/events"))
    bridge.add_number("14155550206")
    dial.add(bridge)
    customer.route("/answer", dial.to_string())
    customer.route("/events", "")
    customer.route("/tone.wav", wav(0.5))
    sim.phone("14155550205", [{"ring": 0}])
    sim.phone("14155550206", [{"ring": 0}])
    uuid = sdk.calls.create(from_=CALLER, to_="14155550205", answer_url=customer.url("/answer")).request_uuid
    wait_until(lambda: [h for h in customer.requests_to("/events") if h.params.get("DialAction") == "connected"])

    sdk.calls.play(uuid, customer.url("/tone.wav"), legs="bleg")
    assert sdk.last_status == 202
    sdk.calls.speak(uuid, "Both of you hear this.", legs="both")
    sdk.calls.send_digits(uuid, "9", leg="bleg")
    callee = wait_until(lambda: (lambda log: log if kinds(log, "received_digits") and kinds(log, "heard_speech")
                                 and kinds(log, "heard_audio") else None)(sim.log("14155550206")))
    assert [e["url"] for e in kinds(callee, "heard_audio")] == [customer.url("/tone.wav")]
    assert kinds(callee, "heard_speech")[0]["text"] == "Both of you hear this."
    assert kinds(callee, "received_digits")[0]["digits"] == "9"
    caller = wait_until(lambda: (lambda log: log if kinds(log, "heard_speech") else None)(sim.log("14155550205")))
    assert [e["text"] for e in kinds(caller, "heard_speech")] == ["Both of you hear this."]
    assert kinds(caller, "heard_audio") == [] and kinds(caller, "received_digits") == []
    sdk.calls.delete(uuid)
