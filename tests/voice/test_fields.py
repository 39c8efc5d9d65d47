"""The field sweep for calls: call records (outbound, inbound signed and unsigned, a conference
member) and live calls, as a client fetches them, every key against Plivo's fixture and every
value against plivo-go's types."""

from plivo import plivoxml

from tests import go_sdk_types as go
from tests.helpers import assert_plivo_shape
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.test_live import hold, still_clock  # noqa: F401 (fixture)

# Null as Plivo's record samples have them: `conference_uuid` for a call in no conference,
# `answer_time` for a call never answered (callGetResponse; the list fixture's calls were answered).
RECORD_NULLS = ("conference_uuid", "answer_time")


def record(sdk, call_uuid: str) -> dict:
    sdk.calls.get(call_uuid)
    body = sdk.last_json()
    assert_plivo_shape(body, "callGetResponse", go=go.CALL, nulls=RECORD_NULLS)
    return body


def test_outbound_call_record_fields(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", "<Response><Speak>Hi.</Speak></Response>")
    customer.route("/hangup", "")
    sim.phone("14155550811", [{"ring": 1}])
    sim.phone("14155550812", [{"reject": "busy"}])
    answered = sdk.calls.create(from_="14155550899", to_="14155550811", answer_url=customer.url("/answer"),
                                hangup_url=customer.url("/hangup")).request_uuid
    busy = sdk.calls.create(from_="14155550899", to_="14155550812", answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/hangup", 2)
    body = record(sdk, answered)
    assert (body["call_state"], body["conference_uuid"], body["source_ip"]) == ("ANSWER", None, "")
    assert body["stir_verification"] == body["stir_attestation"] == "Not Applicable"
    assert record(sdk, busy)["call_state"] == "BUSY"
    sdk.calls.list()
    for item in sdk.last_json()["objects"]:
        assert_plivo_shape(item, "callListResponse", go=go.CALL, nulls=RECORD_NULLS)


def test_inbound_call_record_fields(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", "<Response><Speak>Hello.</Speak></Response>")
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    response = sim.http.post("/_sim/calls", json={"from": "14155550821", "to": number, "stir_attestation": "B"})
    assert response.status_code == 201, response.text
    hangup = customer.wait_for("/hangup")[0].params
    body = record(sdk, hangup["CallUUID"])
    assert (body["stir_attestation"], body["stir_verification"]) == ("B", "Not Verified")
    assert body["call_direction"] == "inbound" and body["call_state"] == "ANSWER"


def test_conference_call_record_fields(sdk, sim: Sim, customer: CustomerApp) -> None:
    response = plivoxml.ResponseElement()
    response.add(plivoxml.ConferenceElement("Fields Room", callback_url=customer.url("/events"), time_limit=1))
    customer.route("/answer", response.to_string())
    customer.route("/events", "")
    customer.route("/hangup", "")
    sim.phone("14155550831", [{"ring": 0}])
    call_uuid = sdk.calls.create(from_="14155550899", to_="14155550831", answer_url=customer.url("/answer"),
                                 hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/hangup")
    entered = customer.requests_to("/events")[0].params
    body = record(sdk, call_uuid)
    assert body["conference_uuid"] == entered["ConferenceUUID"] != ""


def test_live_call_fields(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    customer.route("/answer", hold())
    customer.route("/hangup", "")
    sim.phone("14155550841", [{"ring": 0}])
    call_uuid = sdk.calls.create(from_="14155550899", to_="14155550841", answer_url=customer.url("/answer"),
                                 hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/answer")
    sdk.live_calls.get(call_uuid)
    body = sdk.last_json()
    # `direction` and `request_uuid` are in the fixture (and the Go QueuedCall), not in Go's LiveCall;
    # `parent_call_uuid` is null as in Plivo's call record for a call without a parent
    assert_plivo_shape(body, "liveCallGetResponse", go=go.LIVE_CALL, nulls=("parent_call_uuid",))
    assert body["answer_url"] == customer.url("/answer") and body["stir_attestation"] == "Not Applicable"
    sdk.calls.delete(call_uuid)
    customer.wait_for("/hangup")


def test_queued_call_fields(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:  # noqa: F811
    customer.route("/answer", "<Response><Hangup/></Response>")
    customer.route("/hangup", "")
    made = sdk.calls.create(from_="14155550899", to_="<".join(f"141555508{50 + n}" for n in range(3)),
                            answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    queued = made.request_uuid[-1]  # 2 calls a second: the third waits
    sdk.queued_calls.get(queued)
    body = sdk.last_json()
    # the live call's fields are served on a queued call too (one object, as the Node SDK reads it)
    extra = {name: kind for name, kind in go.LIVE_CALL.items() if name not in go.QUEUED_CALL}
    assert_plivo_shape(body, "liveCallGetResponse", extra, go=go.QUEUED_CALL, nulls=("parent_call_uuid",))
    assert body["call_status"] == "queued"
    customer.wait_for("/hangup", 3)
