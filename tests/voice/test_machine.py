"""Answering-machine detection on outbound calls, decided by what the far end does: a machine's
long greeting versus a person's short hello."""

from plivo import plivoxml

from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp

CALLER = "14155550599"


def hello() -> str:
    response = plivoxml.ResponseElement()
    response.add_speak("This is a reminder from your clinic.")
    return response.to_string()


def test_sync_detection_tells_answer_url(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", hello())
    sim.phone("14155550501", [{"machine": True}])
    sim.phone("14155550502", [{"say": "Hello?"}])
    for to in ("14155550501", "14155550502"):
        sdk.calls.create(from_=CALLER, to_=to, answer_url=customer.url("/answer"), machine_detection="true")
    answers = {h.params["To"]: h.params for h in customer.wait_for("/answer", 2)}
    assert answers["14155550501"]["Machine"] == "true"
    assert answers["14155550502"]["Machine"] == "false"


def test_hangup_on_machine(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", hello())
    customer.route("/hangup", "")
    sim.phone("14155550503", [{"machine": True}])
    sdk.calls.create(from_=CALLER, to_="14155550503", answer_url=customer.url("/answer"),
                     hangup_url=customer.url("/hangup"), machine_detection="hangup")
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "9100" and hangup["HangupCauseName"] == "Machine Detected"
    assert hangup["Machine"] == "true" and hangup["HangupSource"] == "Plivo"
    assert customer.requests_to("/answer") == []


def test_async_detection_posts_to_machine_detection_url(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_wait(length=10)
    customer.route("/answer", response.to_string())
    customer.route("/amd", "")
    sim.phone("14155550504", [{"machine": True}])
    uuid = sdk.calls.create(from_=CALLER, to_="14155550504", answer_url=customer.url("/answer"),
                            machine_detection="true", machine_detection_url=customer.url("/amd"),
                            machine_detection_time=8000).request_uuid
    amd = customer.wait_for("/amd")[0].params
    assert amd["Machine"] == "true" and amd["Event"] == "MachineDetection" and amd["CallUUID"] == uuid
    assert amd["IfMachine"] == "continue" and amd["CallStatus"] == "in-progress"
    assert "Machine" not in customer.requests_to("/answer")[0].params  # async: the call went on at once


def test_async_detection_with_hangup_reports_then_ends_a_machines_call(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add_wait(length=60)
    customer.route("/answer", response.to_string())
    customer.route("/amd", "")
    customer.route("/hangup", "")
    sim.phone("14155550505", [{"machine": True}])
    sim.phone("14155550506", [{"say": "Hello?"}])
    for to in ("14155550505", "14155550506"):
        sdk.calls.create(from_=CALLER, to_=to, answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"),
                         machine_detection="hangup", machine_detection_url=customer.url("/amd"))
    results = {hit.params["To"]: hit.params for hit in customer.wait_for("/amd", 2)}
    assert results["14155550505"]["Machine"] == "true" and results["14155550505"]["IfMachine"] == "hangup"
    assert results["14155550506"]["Machine"] == "false"
    hangups = {hit.params["To"]: hit.params for hit in customer.wait_for("/hangup", 2)}
    machine, person = hangups["14155550505"], hangups["14155550506"]
    assert machine["HangupCauseCode"] == "9100" and machine["HangupSource"] == "Plivo"
    assert int(machine["Duration"]) < 30  # ended on detection, not by the 60 s Wait
    assert person["HangupCauseCode"] == "4010" and int(person["Duration"]) >= 60
    assert len(customer.requests_to("/answer")) == 2  # async: both calls ran their answer URL at once
