"""The hotline reference scenario (issue 6), end to end on the virtual clock.

An inbound caller picks a language (GetDigits) and waits in a conference room with wait music;
the application rings three volunteers with ``POST Call/`` (ring_timeout 30,
machine_detection=hangup); the first to answer joins the caller's room, the application cancels
the other calls through the REST API, the two talk, the caller hangs up, and every callback is
checked. In the variant nobody answers within 90 s (one is busy, one an answering machine that
detection hangs up, one rings past ring_timeout) and the caller leaves a voicemail (<Record>).
The application below is written as a Plivo developer would: plivoxml for XML, the SDK for REST.
"""

import threading
from typing import Any

import pytest
from plivo import plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp

CALLER = "14155564000"
VOLUNTEERS = ("14155564001", "14155564002", "14155564003")


class Hotline:
    """The customer's hotline application."""

    def __init__(self, sdk: Any, customer: CustomerApp, volunteers: tuple[str, ...]):
        self.sdk, self.customer, self.volunteers = sdk, customer, volunteers
        self.requests: dict[str, str] = {}  # volunteer number -> request_uuid
        self.room = ""
        self.lock = threading.Lock()
        self.answered_by = ""
        for path, handler in (("/answer", self.menu), ("/language", self.language), ("/volunteer", self.volunteer),
                              ("/caller-left", self.voicemail)):
            customer.route(path, handler)
        for path in ("/wait", ):
            customer.route(path, "<Response><Play>" + customer.url("/music.wav") + "</Play></Response>")
        for path in ("/conference", "/hangup", "/volunteer-hangup", "/voicemail-saved"):
            customer.route(path, "")

    def menu(self, _params: dict[str, str]) -> str:
        response = plivoxml.ResponseElement()
        digits = plivoxml.GetDigitsElement(action=self.customer.url("/language"), num_digits=1, timeout=10)
        digits.add_speak("Welcome to the helpline. For English press 1. Para español, oprima 2.")
        response.add(digits)
        response.add_speak("We did not get your choice. Goodbye.")
        return response.to_string()

    def language(self, params: dict[str, str]) -> str:
        self.room = f"help-{params['CallUUID']}"
        for number in self.volunteers:
            created = self.sdk.calls.create(
                from_=params["To"], to_=number, answer_url=self.customer.url("/volunteer"),
                hangup_url=self.customer.url("/volunteer-hangup"), ring_timeout=30, machine_detection="hangup")
            self.requests[number] = created.request_uuid
        response = plivoxml.ResponseElement()
        response.add_speak("Thank you. Please hold while we connect you to a volunteer.")
        response.add(plivoxml.ConferenceElement(
            self.room, start_conference_on_enter=False, end_conference_on_exit=True, wait_sound=self.customer.url("/wait"),
            callback_url=self.customer.url("/conference"), action=self.customer.url("/caller-left"), time_limit=90))
        return response.to_string()

    def volunteer(self, params: dict[str, str]) -> str:
        with self.lock:
            first = not self.answered_by
            if first:
                self.answered_by = params["To"]
        response = plivoxml.ResponseElement()
        if not first:
            response.add_speak("Thank you, another volunteer has taken this call.")
            return response.to_string()
        for number, request_uuid in self.requests.items():
            if number != params["To"]:
                try:
                    self.sdk.calls.cancel(request_uuid)  # still ringing: cancel the request
                except Exception:  # already answered or ended (the machine): hang it up if still live
                    try:
                        self.sdk.calls.delete(request_uuid)
                    except Exception:
                        pass
        response.add(plivoxml.ConferenceElement(self.room, start_conference_on_enter=True, end_conference_on_exit=True,
                                                callback_url=self.customer.url("/conference")))
        return response.to_string()

    def voicemail(self, _params: dict[str, str]) -> str:
        response = plivoxml.ResponseElement()
        response.add_speak("All our volunteers are busy. Please leave a message after the tone.")
        response.add(plivoxml.RecordElement(action=self.customer.url("/voicemail-saved"), max_length=60,
                                            finish_on_key="#", redirect=False))
        return response.to_string()


def setup(sdk: Any, sim: Sim, customer: CustomerApp, scripts: dict[str, list[dict[str, Any]]]) -> tuple[Hotline, str]:
    from tests.voice.test_live import wav

    customer.route("/music.wav", wav(6.0))
    hotline = Hotline(sdk, customer, tuple(scripts))
    for number, script in scripts.items():
        sim.phone(number, script)
    sim.phone(CALLER, [])
    app_id = sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup"))
    return hotline, sim.rent_number(app_id)


def test_hotline_first_volunteer_joins_the_caller(sdk, sim: Sim, customer: CustomerApp) -> None:
    hotline, number = setup(sdk, sim, customer, {
        VOLUNTEERS[0]: [{"ring": 25}],  # still ringing when cancelled
        VOLUNTEERS[1]: [{"ring": 12}, {"say": "Hello?"}, {"wait": 2},
                        {"say": "Hi, I am Dana from the helpline. How can I help?"}, {"wait": 8},
                        {"say": "We can help you with that today."}, {"wait": 120}],
        VOLUNTEERS[2]: [{"ring": 20}],  # still ringing when cancelled
    })
    caller = sim.call(CALLER, number, [{"wait": 2}, {"press": "1"}, {"wait": 25},
                                       {"say": "Hello, I need help with my rent."}, {"wait": 12}, {"hangup": True}])

    caller_hangup = customer.wait_for("/hangup")[0].params
    volunteer_hangups = {hit.params["To"]: hit.params for hit in customer.wait_for("/volunteer-hangup", 3)}
    conference = [hit.params for hit in customer.wait_for("/conference", 4)]

    # the caller chose a language, heard the wait music while queued, then talked to Dana only
    language = customer.requests_to("/language")[0].params
    assert language["Digits"] == "1" and language["CallUUID"] == caller
    caller_log = sim.log(CALLER)
    assert any(event.get("url", "").endswith("/music.wav") for event in kinds(caller_log, "heard_audio"))
    dana = VOLUNTEERS[1]
    assert [(e["from"], e["text"]) for e in kinds(caller_log, "heard_voice")] == [
        (dana, "Hi, I am Dana from the helpline. How can I help?"), (dana, "We can help you with that today.")]
    assert [(e["from"], e["text"]) for e in kinds(sim.log(dana), "heard_voice")] == [
        (CALLER, "Hello, I need help with my rent.")]
    assert hotline.answered_by == dana

    # conference callbacks: both entered and both left the same room
    room = hotline.room
    assert {(e["ConferenceAction"], e["CallUUID"]) for e in conference} == {
        ("enter", caller), ("exit", caller), ("enter", hotline.requests[dana]), ("exit", hotline.requests[dana])}
    assert all(e["ConferenceName"] == room for e in conference)
    assert len({e["ConferenceUUID"] for e in conference}) == 1
    assert customer.requests_to("/caller-left") == []  # the caller hung up: no action

    # hangups: the caller hung up; Dana's call ended with the room; the others never talked
    assert caller_hangup["CallUUID"] == caller and caller_hangup["HangupSource"] == "Caller"
    assert caller_hangup["HangupCauseCode"] == "4000" and caller_hangup["CallStatus"] == "completed"
    talked = volunteer_hangups[dana]
    assert talked["HangupCauseCode"] == "4010" and talked["CallStatus"] == "completed"
    assert talked["HangupSource"] == "Plivo" and talked["Machine"] == "false"
    for other in (VOLUNTEERS[0], VOLUNTEERS[2]):  # the application cancelled both through the API
        cancelled = volunteer_hangups[other]
        assert cancelled["HangupCauseCode"] == "1000" and cancelled["CallStatus"] == "cancel"
        assert cancelled["HangupSource"] == "API Request" and cancelled["Duration"] == "0"
        assert [e["state"] for e in kinds(sim.log(other), "call")][-1] == "ended"
        assert kinds(sim.log(other), "heard_voice") == []
    assert customer.requests_to("/volunteer") == customer.requests_to("/volunteer")[:1]  # only Dana's answered

    # durations: the caller was on for the menu, the queue and the talk; Dana from her answer
    caller_seconds, dana_seconds = int(caller_hangup["Duration"]), int(talked["Duration"])
    assert 40 <= caller_seconds <= 50
    assert 20 <= dana_seconds <= caller_seconds - 12
    records = {number: sim.record(hotline.requests[number]) for number in VOLUNTEERS}
    assert records[dana]["call_duration"] == dana_seconds and records[dana]["hangup_cause_code"] == 4010
    assert records[VOLUNTEERS[0]]["hangup_cause_code"] == records[VOLUNTEERS[2]]["hangup_cause_code"] == 1000
    assert sim.record(caller)["call_duration"] == caller_seconds


def test_hotline_nobody_answers_caller_goes_to_voicemail(sdk, sim: Sim, customer: CustomerApp) -> None:
    hotline, number = setup(sdk, sim, customer, {
        VOLUNTEERS[0]: [{"reject": "busy"}],
        VOLUNTEERS[1]: [{"ring": 4}, {"machine": True}],  # an answering machine: hung up by detection
        VOLUNTEERS[2]: [{"ring": 40}],  # rings past ring_timeout
    })
    message = "Hello, this is Sam, please call me back about my rent."
    caller = sim.call(CALLER, number, [{"wait": 2}, {"press": "1"}, {"wait": 101}, {"say": message}, {"wait": 1},
                                       {"hangup": True}])
    voicemail = customer.wait_for("/caller-left")[0].params
    assert voicemail["CallUUID"] == caller and voicemail["ConferenceName"] == hotline.room
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupSource"] == "Caller"
    volunteers = {hit.params["To"]: hit.params for hit in customer.wait_for("/volunteer-hangup", 3)}
    assert volunteers[VOLUNTEERS[0]]["HangupCauseCode"] == "3010"
    machine = volunteers[VOLUNTEERS[1]]
    assert machine["HangupCauseCode"] == "9100" and machine["Machine"] == "true"
    assert volunteers[VOLUNTEERS[2]]["HangupCauseCode"] == "6010"  # ring_timeout 30
    assert customer.requests_to("/volunteer") == []  # machine_detection=hangup: no volunteer flow ran
    heard = [e["text"] for e in kinds(sim.log(CALLER), "heard_speech")]
    assert heard[-1] == "All our volunteers are busy. Please leave a message after the tone."
    assert kinds(sim.log(CALLER), "heard_beep")  # the Record beep
    # the message was recorded after the queue (about 90 s, the room's time limit)
    saved = customer.wait_for("/voicemail-saved")[0].params
    assert saved["CallUUID"] == caller and saved["RecordUrl"] and 5 <= int(saved["RecordingDuration"]) <= 8
    recording = sdk.recordings.get(saved["RecordingID"])
    assert recording.call_uuid == caller
    queued = [e for e in kinds(sim.log(CALLER), "heard_audio") if e.get("url", "").endswith("/music.wav")]
    assert sum(e.get("interrupted_after", e["seconds"]) for e in queued) == pytest.approx(90, abs=1)  # until the limit
    said = next(e for e in sim.log(CALLER) if e["kind"] == "said")
    beep = kinds(sim.log(CALLER), "heard_beep")[-1]
    assert beep["at"] < said["at"]  # the message came after the tone, into the recording
