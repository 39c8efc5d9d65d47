"""Outbound calls through the official SDK: request_uuid, the answer request, ring and hangup
callbacks with Plivo's parameters, every way a callee can fail to answer, and call records."""

import pytest
from plivo import exceptions, plivoxml

from tests import go_sdk_types as go
from tests.helpers import assert_plivo_shape
from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp

CALLER = "14155550199"
RECORD_EXTRA = tuple(go.CALL)  # the record's fields beyond the fixture (tests/voice/test_fields.py checks each)


def speak(text: str) -> str:
    response = plivoxml.ResponseElement()
    response.add_speak(text)
    return response.to_string()


def test_call_answered_runs_answer_url_and_sends_callbacks(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", speak("Your appointment is tomorrow at nine."))
    customer.route("/ring", "")
    customer.route("/hangup", "")
    sim.phone("14155550111", [{"ring": 3}])
    created = sdk.calls.create(from_=CALLER, to_="14155550111", answer_url=customer.url("/answer"),
                               ring_url=customer.url("/ring"), hangup_url=customer.url("/hangup"),
                               caller_name="Acme", sip_headers="team=blue")
    assert sdk.last_status == 201
    assert_plivo_shape(sdk.last_json(), "callCreateResponse")
    request_uuid = created.request_uuid
    hangup = customer.wait_for("/hangup")[0].params

    ring = customer.requests_to("/ring")[0].params
    assert ring["CallStatus"] == "ringing" and ring["RequestUUID"] == request_uuid and ring["Direction"] == "outbound"
    answer = customer.requests_to("/answer")[0].params
    assert answer["CallUUID"] == answer["RequestUUID"] == answer["ALegUUID"] == answer["ALegRequestUUID"] == request_uuid
    assert answer["CallStatus"] == "in-progress" and answer["Direction"] == "outbound"
    assert answer["From"] == CALLER and answer["To"] == "14155550111" and answer["CallerName"] == "Acme"
    assert answer["X-PH-team"] == "blue" and answer["Event"] == "StartApp"
    assert answer["BillRate"] == "0.00850" or float(answer["BillRate"]) > 0

    assert hangup["HangupCauseCode"] == "4010" and hangup["HangupCauseName"] == "End Of XML Instructions"
    assert hangup["HangupSource"] == "Plivo" and hangup["CallStatus"] == "completed"
    assert int(hangup["Duration"]) >= 2 and hangup["TotalCost"] != ""

    log = sim.log("14155550111")
    assert [e["state"] for e in kinds(log, "call")][:3] == ["offered", "ringing", "answered"]
    assert kinds(log, "heard_speech")[0]["text"] == "Your appointment is tomorrow at nine."

    record = sdk.calls.get(request_uuid)
    raw = sdk.last_json()
    assert_plivo_shape(raw, "callGetResponse", extra=RECORD_EXTRA)
    assert record.call_direction == "outbound" and raw["hangup_cause_code"] == 4010
    assert raw["answer_time"] is not None and raw["bill_duration"] == raw["call_duration"] >= 2
    assert float(raw["total_amount"]) > 0 and raw["billed_duration"] == 60
    assert float(hangup["TotalCost"]) == float(raw["total_amount"]) and float(hangup["BillRate"]) == float(raw["total_rate"])
    assert {"CallUUID", "From", "To", "CallStatus", "Direction", "CallerName", "BillRate", "ParentAuthID", "SessionStart",
            "RequestUUID", "ALegUUID", "ALegRequestUUID", "Event", "StartTime", "AnswerTime", "EndTime", "Duration",
            "BillDuration", "TotalCost", "HangupCause", "HangupCauseCode", "HangupCauseName",
            "HangupSource"} <= set(hangup) and hangup["Event"] == "Hangup" and hangup["ParentAuthID"] == sim.account.auth_id


@pytest.mark.parametrize(("script", "code", "status"), [
    ([{"reject": "busy"}], "3010", "busy"),
    ([{"ring": 2}, {"reject": "rejected"}], "3020", "failed"),
    ([{"reject": "no-answer"}], "6010", "no-answer"),
    ([{"ring": 1}, {"reject": "timeout"}], "3070", "timeout"),
])
def test_callee_does_not_answer(sdk, sim: Sim, customer: CustomerApp, script, code, status) -> None:
    customer.route("/hangup", "")
    sim.phone("14155550112", script)
    created = sdk.calls.create(from_=CALLER, to_="14155550112", answer_url=customer.url("/answer"),
                               hangup_url=customer.url("/hangup"), ring_timeout=30)
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == code and hangup["CallStatus"] == status
    assert hangup["AnswerTime"] == "" and hangup["Duration"] == "0"
    assert hangup["HangupSource"] == ("Plivo" if code == "6010" else "Callee")
    assert customer.requests_to("/answer") == []
    assert sim.record(created.request_uuid)["hangup_cause_code"] == int(code)


def test_callee_hangs_up(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_wait(length=60)
    customer.route("/answer", response.to_string())
    customer.route("/hangup", "")
    sim.phone("14155550113", [{"wait": 5}, {"hangup": True}])
    sdk.calls.create(from_=CALLER, to_="14155550113", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupSource"] == "Callee" and hangup["HangupCauseCode"] == "4000"
    assert 5 <= int(hangup["Duration"]) <= 6


def test_time_limit_and_hangup_on_ring(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_wait(length=600)
    customer.route("/answer", response.to_string())
    customer.route("/limit", "")
    customer.route("/ring-cut", "")
    sdk.calls.create(from_=CALLER, to_="14155550114", answer_url=customer.url("/answer"),
                     hangup_url=customer.url("/limit"), time_limit=30)
    limited = customer.wait_for("/limit")[0].params
    assert limited["HangupCauseCode"] == "6000" and limited["HangupCause"] == "ALLOTTED_TIMEOUT"
    assert 30 <= int(limited["Duration"]) <= 31
    sim.phone("14155550115", [{"ring": 50}])
    sdk.calls.create(from_=CALLER, to_="14155550115", answer_url=customer.url("/answer"),
                     hangup_url=customer.url("/ring-cut"), hangup_on_ring=5)
    cut = customer.wait_for("/ring-cut")[0].params
    assert cut["CallStatus"] == "cancel" and cut["AnswerTime"] == ""


def test_bulk_destinations_are_independent_calls(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", speak("Hello"))
    customer.route("/hangup", "")
    created = sdk.calls.create(from_=CALLER, to_="14155550121<14155550122<sip:nobody@example.com",
                               answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    assert isinstance(created.request_uuid, list) and len(set(created.request_uuid)) == 3
    hangups = customer.wait_for("/hangup", 3)
    assert {h.params["CallUUID"] for h in hangups} == set(created.request_uuid)
    assert {h.params["To"] for h in hangups} == {"14155550121", "14155550122", "sip:nobody@example.com"}


def test_answer_url_failures_end_the_call_with_plivo_causes(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/broken", (500, "oops"))
    customer.route("/bad-xml", "<Response><Speak>unclosed</Response>")
    customer.route("/unknown", "<Response><Shout>hi</Shout></Response>")
    customer.route("/fallback", speak("From the fallback"))
    customer.route("/hangup", "")
    cases = (("/broken", None), ("/bad-xml", None), ("/unknown", None), ("/broken", "/fallback"), ("/unknown", "/fallback"))
    for path, fallback in cases:
        kwargs = {"fallback_url": customer.url(fallback)} if fallback else {}
        sdk.calls.create(from_=CALLER, to_="14155550131", answer_url=customer.url(path),
                         hangup_url=customer.url("/hangup"), **kwargs)
    hangups = customer.wait_for("/hangup", len(cases))
    codes = sorted(h.params["HangupCauseCode"] for h in hangups)
    assert codes == ["4010", "4010", "7011", "8011", "8011"]  # a document that cannot run goes to the fallback too
    assert len(customer.requests_to("/fallback")) == 2
    assert all(h.params["HangupSource"] == "Error" for h in hangups if h.params["HangupCauseCode"] != "4010")
    logs = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/", params={"errors": "true"}).json()
    errors = " | ".join(entry["error"] for entry in logs["objects"])
    assert "<Shout> is not a Plivo XML element" in errors
    assert "not well-formed" in errors


def test_parent_call_uuid(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    hold = plivoxml.ResponseElement()
    hold.add_wait(length=60)
    customer.route("/hold", hold.to_string())
    customer.route("/answer", speak("Hello"))
    customer.route("/hangup", "")
    parent = sdk.calls.create(from_=CALLER, to_="14155550161", answer_url=customer.url("/hold"),
                              hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/hold")
    child = sdk.calls.create(from_=CALLER, to_="14155550162", answer_url=customer.url("/answer"),
                             hangup_url=customer.url("/hangup"), parent_call_uuid=parent,
                             error_if_parent_not_found=True).request_uuid
    orphan = sdk.calls.create(from_=CALLER, to_="14155550163", answer_url=customer.url("/answer"),
                              hangup_url=customer.url("/hangup"), parent_call_uuid="no-such-call").request_uuid
    with pytest.raises(exceptions.ValidationError):
        sdk.calls.create(from_=CALLER, to_="14155550164", answer_url=customer.url("/answer"),
                         parent_call_uuid="no-such-call", error_if_parent_not_found=True)
    with pytest.raises(exceptions.ValidationError):
        sdk.calls.create(from_=CALLER, to_="14155550165<14155550166", answer_url=customer.url("/answer"),
                         parent_call_uuid=parent)
    customer.wait_for("/hangup", 2)
    sdk.calls.delete(parent)
    customer.wait_for("/hangup", 3)
    assert sim.record(child)["parent_call_uuid"] == parent
    assert sim.record(orphan)["parent_call_uuid"] == "no-such-call"
    assert {c.call_uuid for c in sdk.calls.list(parent_call_uuid=parent)} == {child}


@pytest.mark.parametrize(("on_preanswer", "script", "before"), [
    (True, [{"ring": 1}, {"early_media": 4}], ["offered", "ringing", "early-media"]),  # 180, then 183
    (True, [{"early_media": 4}], ["offered", "early-media"]),  # straight to 183
    (False, [{"ring": 1}, {"early_media": 4}], ["offered", "ringing", "early-media"]),
])
def test_send_digits_on_early_media_or_after_answer(sdk, sim: Sim, customer: CustomerApp, on_preanswer: bool,
                                                     script: list, before: list) -> None:
    customer.route("/answer", speak("Connected."))
    customer.route("/ring", "")
    customer.route("/hangup", "")
    number = "14155550151" if on_preanswer else "14155550152"
    sim.phone(number, script)
    sdk.calls.create(from_=CALLER, to_=number, answer_url=customer.url("/answer"), ring_url=customer.url("/ring"),
                     hangup_url=customer.url("/hangup"), send_digits="12w3", send_on_preanswer=on_preanswer)
    customer.wait_for("/hangup")
    log = sim.log(number)
    order = [e.get("state") or e["kind"] for e in log if e["kind"] in ("call", "received_digits")]
    assert order[:len(before)] == before
    assert kinds(log, "received_digits")[0]["digits"] == "12w3"
    if on_preanswer:
        assert order.index("early-media") < order.index("received_digits") < order.index("answered")
    else:
        assert order.index("answered") < order.index("received_digits")
    assert len(customer.requests_to("/ring")) == 1


@pytest.mark.parametrize("kwargs", [
    {"time_limit": 0}, {"ring_timeout": 0}, {"answer_url": "ftp://x/y"}, {"machine_detection": "maybe"},
    {"to": "not-a-number"}, {"to": CALLER}, {"sip_headers": "bad header=x"}, {"answer_method": "PUT"},
    {"answer_url": None}, {"machine_detection_time": 100}, {"caller_name": "x" * 51},
])
def test_client_mistakes_are_400(sim: Sim, customer: CustomerApp, kwargs) -> None:
    params = {"from": CALLER, "to": "14155550140", "answer_url": customer.url("/answer"), **kwargs}
    response = sim.http.post(f"/v1/Account/{sim.account.auth_id}/Call/", json=params)
    assert response.status_code == 400, response.text
    assert "error" in response.json() and "api_id" in response.json()


def test_sdk_rejects_before_sending_and_server_agrees(sdk, customer: CustomerApp) -> None:
    with pytest.raises(exceptions.ValidationError):
        sdk.calls.create(from_=CALLER, to_="14155550140", answer_url=customer.url("/answer"), time_limit=0)
