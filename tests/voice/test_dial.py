"""<Dial>: parallel ringing, the bridge (who hears whom), the action and callbackUrl parameters,
confirmKey, dialMusic, hangupOnStar, digitsMatch, timeLimit, failures, and dialling one of the
platform's own numbers. XML is built with the SDK's plivoxml, as a Plivo developer would."""

from datetime import datetime
from typing import Any

import pytest
from plivo import plivoxml

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import still_clock, wait_until  # noqa: F401 (fixture)

CALLER = "14155561000"


def dial_xml(*numbers: str, users: tuple[str, ...] = (), after: str = "", **attrs: Any) -> str:
    response = plivoxml.ResponseElement()
    dial = plivoxml.DialElement(**attrs)
    for number in numbers:
        dial.add_number(number)
    for user in users:
        dial.add_user(user)
    response.add(dial)
    if after:
        response.add_speak(after)
    return response.to_string()


def inbound(sim: Sim, customer: CustomerApp, xml: str, script: list[dict[str, Any]], caller: str = CALLER) -> str:
    customer.route("/answer", xml)
    customer.route("/hangup", "")
    customer.route("/action", "<Response><Speak>Thank you.</Speak></Response>")
    customer.route("/events", "")
    app_id = sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup"))
    number = sim.rent_number(app_id)
    sim.phone(caller, [])  # a fresh log for the caller
    return sim.call(caller, number, script)


def heard(sim: Sim, phone: str) -> list[tuple[str, str]]:
    return [(event["from"], event["text"]) for event in kinds(sim.log(phone), "heard_voice")]


def test_first_to_answer_wins_and_the_two_hear_each_other(sim: Sim, customer: CustomerApp) -> None:
    sim.phone("14155561001", [{"ring": 8}])
    sim.phone("14155561002", [{"ring": 2}, {"say": "Hello, this is Bea."}, {"wait": 4}, {"say": "Goodbye then."},
                              {"hangup": True}])
    sim.phone("14155561003", [{"reject": "busy"}])
    xml = dial_xml("14155561001", "14155561002", "14155561003", action=customer.url("/action"),
                   callback_url=customer.url("/events"))
    a_uuid = inbound(sim, customer, xml, [{"wait": 4}, {"say": "Hi Bea, it is Al."}, {"wait": 30}])

    action = customer.wait_for("/action")[0].params
    hangup = customer.wait_for("/hangup")[0].params
    assert action["DialStatus"] == "completed" and action["DialALegUUID"] == a_uuid
    assert action["DialRingStatus"] == "true" and action["DialHangupCause"] == "NORMAL_CLEARING"
    b_uuid = action["DialBLegUUID"]
    assert b_uuid and b_uuid != a_uuid

    # who heard whom, with who said it
    assert heard(sim, CALLER) == [("14155561002", "Hello, this is Bea."), ("14155561002", "Goodbye then.")]
    assert heard(sim, "14155561002") == [(CALLER, "Hi Bea, it is Al.")]
    assert kinds(sim.log("14155561001"), "heard_voice") == []
    # the slower phone lost the race, the busy one was busy
    loser = sim.record(next(e["call_uuid"] for e in sim.log("14155561001")))
    assert loser["hangup_cause_code"] == 9000 and loser["hangup_cause_name"] == "Lost Race"
    assert loser["parent_call_uuid"] == a_uuid
    busy = sim.record(next(e["call_uuid"] for e in sim.log("14155561003")))
    assert busy["hangup_cause_code"] == 3010
    b_record = sim.record(b_uuid)
    assert b_record["parent_call_uuid"] == a_uuid and b_record["call_direction"] == "outbound"
    assert b_record["hangup_cause_code"] == 4000 and b_record["hangup_source"] == "Callee"
    assert b_record["from_number"] == CALLER and b_record["to_number"] == "14155561002"

    events = {hit.params["DialAction"]: hit.params for hit in customer.wait_for("/events", 3)}
    assert sorted(events) == ["answer", "connected", "hangup"]  # callbacks may arrive in any order
    done = events["hangup"]
    assert done["DialBLegUUID"] == b_uuid and done["DialALegUUID"] == a_uuid and done["DialBLegStatus"] == "hangup"
    assert done["DialBLegHangupCauseCode"] == "4000" and done["DialBLegHangupSource"] == "Callee"
    assert done["DialBLegHangupCauseName"] == "Normal Hangup" and int(done["DialBLegDuration"]) >= 6
    assert done["DialBLegTo"] == "14155561002" and done["DialBLegFrom"] == CALLER
    # the A-leg went on after the Dial: the action's XML ran
    assert kinds(sim.log(CALLER), "heard_speech")[-1]["text"] == "Thank you."
    assert hangup["CallUUID"] == a_uuid and hangup["HangupCauseCode"] == "4010"


@pytest.mark.parametrize(("script", "status", "cause", "code"), [
    ([{"reject": "busy"}], "busy", "USER_BUSY", 3010),
    ([{"reject": "no-answer"}], "no-answer", "NO_ANSWER", 6010),  # rings until the Dial's timeout
    ([{"reject": "rejected"}], "failed", "CALL_REJECTED", 3020),
    ([{"ring": 2}, {"reject": "timeout"}], "timeout", "RECOVERY_ON_TIMER_EXPIRE", 3070),
])
def test_nobody_answers_dial_status(sim: Sim, customer: CustomerApp, script: list[dict[str, Any]], status: str,
                                    cause: str, code: int) -> None:
    sim.phone("14155561011", script)
    xml = dial_xml("14155561011", action=customer.url("/action"), timeout=10, redirect=False,
                   after="Nobody is available. Please leave a message.")
    inbound(sim, customer, xml, [])
    action = customer.wait_for("/action")[0].params
    assert action["DialStatus"] == status and action["DialBLegUUID"] == "" and action["DialHangupCause"] == cause
    customer.wait_for("/hangup")
    # redirect=false: the next element ran (the voicemail prompt)
    assert kinds(sim.log(CALLER), "heard_speech")[-1]["text"] == "Nobody is available. Please leave a message."
    b = sim.record(kinds(sim.log("14155561011"), "call")[0]["call_uuid"])
    assert b["hangup_cause_code"] == code and b["parent_call_uuid"] == action["DialALegUUID"]
    if code == 6010:  # timeout="10", not the 120 s default
        rang = datetime.fromisoformat(b["end_time"]) - datetime.fromisoformat(b["initiation_time"])
        assert rang.total_seconds() == pytest.approx(10, abs=1)


def test_invalid_number_and_unknown_endpoint_fail(sdk, sim: Sim, customer: CustomerApp) -> None:
    xml = dial_xml("12ab", users=("sip:nobody-here-123@phone.example.com",), action=customer.url("/action"))
    a_uuid = inbound(sim, customer, xml, [])
    action = customer.wait_for("/action")[0].params
    assert action["DialStatus"] == "failed" and action["DialBLegUUID"] == "" and action["DialRingStatus"] == "false"
    assert action["DialHangupCause"] in ("INVALID_NUMBER_FORMAT", "USER_NOT_REGISTERED")
    customer.wait_for("/hangup")
    b_legs = {row.to_number: row for row in sdk.calls.list(parent_call_uuid=a_uuid)}
    assert b_legs["12ab"].hangup_cause_code == 2000  # each B-leg failed with its own cause
    assert b_legs["sip:nobody-here-123@phone.example.com"].hangup_cause_code == 2020


def test_confirm_key_and_hangup_on_star(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/confirm", "<Response><Speak>Press 5 to take the call.</Speak></Response>")
    sim.phone("14155561021", [{"ring": 1}, {"wait": 1}, {"press": "3"}, {"wait": 20}])  # wrong key, then nothing
    sim.phone("14155561022", [{"ring": 10}, {"press": "5"}, {"say": "Agent here."}, {"wait": 60}])
    xml = dial_xml("14155561021", "14155561022", action=customer.url("/action"), confirm_sound=customer.url("/confirm"),
                   confirm_key="5", confirm_timeout=5, hangup_on_star=True, callback_url=customer.url("/events"))
    inbound(sim, customer, xml, [{"wait": 20}, {"press": "*"}, {"wait": 5}])
    action = customer.wait_for("/action")[0].params
    customer.wait_for("/hangup")
    assert action["DialStatus"] == "completed"
    wrong = sim.record(next(e["call_uuid"] for e in sim.log("14155561021")))
    assert wrong["hangup_cause_code"] == 9110
    b = sim.record(action["DialBLegUUID"])
    assert b["to_number"] == "14155561022" and b["hangup_source"] == "Caller"  # * dropped the B-leg
    assert [t for _, t in heard(sim, CALLER)] == ["Agent here."]
    assert kinds(sim.log("14155561022"), "heard_speech")[0]["text"] == "Press 5 to take the call."
    # the A-leg continued after the star
    assert kinds(sim.log(CALLER), "heard_speech")[-1]["text"] == "Thank you."


def test_dial_music_digits_match_and_time_limit(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/music", "<Response><Play>http://127.0.0.1:9/none.mp3</Play><Speak>Please hold.</Speak></Response>")
    sim.phone("14155561031", [{"ring": 6}, {"wait": 2}, {"press": "99"}, {"wait": 100}])
    xml = dial_xml("14155561031", action=customer.url("/action"), dial_music=customer.url("/music"), time_limit=20,
                   digits_match="12,99", digits_match_b_leg="99", callback_url=customer.url("/events"))
    inbound(sim, customer, xml, [{"wait": 10}, {"press": "12"}, {"wait": 100}])
    customer.wait_for("/action")
    customer.wait_for("/hangup")
    assert "Please hold." in [e["text"] for e in kinds(sim.log(CALLER), "heard_speech")]
    events = [hit.params for hit in customer.wait_for("/events", 5)]
    digits = sorted((e["DialDigitsMatch"], e["DialDigitsPressedBy"]) for e in events if e["DialAction"] == "digits")
    assert digits == [("12", "ALeg"), ("99", "BLeg")]
    # the B-leg pressed 99: relayed to the caller too
    assert [e["digits"] for e in kinds(sim.log(CALLER), "heard_digits")] == ["9", "9"]
    hangup = next(e for e in events if e["DialAction"] == "hangup")
    assert hangup["DialBLegHangupCauseCode"] == "6000" and 20 <= int(hangup["DialBLegDuration"]) <= 21  # from its answer


def test_dialling_an_own_number_runs_its_application(sim: Sim, customer: CustomerApp) -> None:
    customer.route("/desk", "<Response><Speak>Front desk, how can I help?</Speak><Wait length=\"5\"/></Response>")
    desk_app = sim.application(customer.url("/desk"))
    desk = sim.rent_number(desk_app)
    xml = dial_xml(desk, action=customer.url("/action"))
    inbound(sim, customer, xml, [{"wait": 30}])
    action = customer.wait_for("/action")[0].params
    assert action["DialStatus"] == "completed"
    desk_request = customer.wait_for("/desk")[0].params
    assert desk_request["To"] == desk and desk_request["Direction"] == "inbound"
    assert heard(sim, CALLER)[0] == (desk, "Front desk, how can I help?")


def test_dial_an_endpoint_with_send_digits(sim: Sim, customer: CustomerApp) -> None:
    created = sim.http.post(f"/v1/Account/{sim.account.auth_id}/Endpoint/",
                            json={"username": "agent", "password": "secret123", "alias": "Agent"})
    username = created.json()["username"]
    response = sim.http.post("/_sim/phones", json={"endpoint": username, "script": [
        {"ring": 2}, {"say": "Agent speaking."}, {"wait": 5}, {"hangup": True}]})
    assert response.status_code == 201, response.text
    dial = plivoxml.DialElement(action=customer.url("/action"), caller_id="14155561099", caller_name="Hotline")
    dial.add_user(f"sip:{username}@phone.example.com", send_digits="1w2")
    xml = plivoxml.ResponseElement().add(dial).to_string()
    inbound(sim, customer, xml, [{"wait": 30}])
    action = customer.wait_for("/action")[0].params
    assert action["DialStatus"] == "completed"
    agent_log = sim.log(f"endpoint:{username}")
    offered = kinds(agent_log, "call")[0]
    assert offered["from"] == "14155561099" and offered["to"] == f"sip:{username}@phone.example.com"
    assert kinds(agent_log, "received_digits")[0]["digits"] == "1w2"
    assert heard(sim, CALLER) == [(f"endpoint:{username}", "Agent speaking.")]
    b = sim.record(action["DialBLegUUID"])
    assert b["to_number"] == f"sip:{username}@phone.example.com" and b["hangup_source"] == "Callee"


def test_caller_hangs_up_while_b_legs_ring(sim: Sim, customer: CustomerApp) -> None:
    sim.phone("14155561051", [{"ring": 30}])
    sim.phone("14155561052", [{"ring": 30}])
    customer.route("/ringback", "<Response><Speak>Connecting you now.</Speak></Response>")
    # dialMusic opens early media, so the (simulated) caller is on the line while the B-legs ring
    inbound(sim, customer, dial_xml("14155561051", "14155561052", action=customer.url("/action"),
                                    dial_music=customer.url("/ringback")), [{"wait": 3}, {"hangup": True}])
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupSource"] == "Caller"
    for phone in ("14155561051", "14155561052"):
        record = sim.record(next(e["call_uuid"] for e in sim.log(phone)))
        assert record["hangup_cause_code"] == 1000 and record["hangup_source"] == "Caller"
        assert record["parent_call_uuid"] == hangup["CallUUID"]
    assert customer.requests_to("/action") == []  # the A-leg is gone: no action


def test_number_send_digits_caller_name_sip_headers_and_get_methods(sim: Sim, customer: CustomerApp) -> None:
    sim.phone("14155561061", [{"early_media": 3}, {"ring": 2}, {"say": "Desk one."}, {"wait": 2}, {"hangup": True}])
    sim.phone("14155561062", [{"ring": 1}, {"wait": 3}, {"hangup": True}])
    then = plivoxml.DialElement()  # a second Dial from the action: sequential dialling
    then.add_number("14155561062", send_digits="34")
    customer.route("/next", plivoxml.ResponseElement().add(then).to_string())
    dial = plivoxml.DialElement(action=customer.url("/next"), method="GET", callback_url=customer.url("/events"),
                                callback_method="GET", caller_name="Help Line", sip_headers="Ticket=T42,Queue=vip")
    dial.add_number("14155561061", send_digits="1w2", send_on_preanswer=True)
    a_uuid = inbound(sim, customer, plivoxml.ResponseElement().add(dial).to_string(), [{"wait": 60}])
    customer.wait_for("/hangup")

    first = sim.log("14155561061")
    offered = kinds(first, "call")[0]
    assert offered["caller_name"] == "Help Line"
    assert offered["headers"] == {"X-PH-Ticket": "T42", "X-PH-Queue": "vip"}
    steps = [e.get("state") or e["digits"] for e in kinds(first, "call", "received_digits")]
    assert steps.index("1w2") < steps.index("answered")  # sendOnPreanswer: sent in early media
    second = sim.log("14155561062")
    steps = [e.get("state") or e["digits"] for e in kinds(second, "call", "received_digits")]
    assert steps.index("answered") < steps.index("34")  # the default: sent once it answered
    assert "headers" not in kinds(second, "call")[0]

    action = customer.wait_for("/next")[0]
    assert action.method == "GET" and action.params["DialStatus"] == "completed"
    events = customer.wait_for("/events", 3)
    assert {hit.method for hit in events} == {"GET"}
    # the A-leg was answered when the B-leg answered, not before (Dial does not answer)
    assert customer.requests_to("/answer")[0].params["CallStatus"] == "ringing"
    assert sim.record(a_uuid)["answer_time"] == sim.record(action.params["DialBLegUUID"])["answer_time"]


def test_dial_status_cancel_when_the_ringing_b_leg_is_hung_up(sdk, sim: Sim, customer: CustomerApp,
                                                              still_clock: None) -> None:  # noqa: F811
    sim.phone("14155561071", [{"ring": 120}])
    inbound(sim, customer, dial_xml("14155561071", action=customer.url("/action")), [{"wait": 200}])
    ringing = wait_until(lambda: [e for e in kinds(sim.log("14155561071"), "call") if e.get("state") == "ringing"])
    b_uuid = ringing[0]["call_uuid"]
    sdk.calls.delete(b_uuid)  # the B-leg is a live call of its own: the API can end it while it rings
    action = customer.wait_for("/action")[0].params
    assert action["DialStatus"] == "cancel" and action["DialHangupCause"] == "ORIGINATOR_CANCEL"
    assert action["DialBLegUUID"] == "" and action["DialRingStatus"] == "true"
    record = sim.record(b_uuid)
    assert record["hangup_cause_code"] == 1000 and record["hangup_source"] == "API Request"
    sdk.calls.delete(action["CallUUID"])
