"""The outbound calls-per-second limit: calls beyond 2 per second per main account are queued
("call queued", ``GET Call/?status=queued``), dispatched a second later, and can be cancelled
while they wait (``DELETE Request/{request_uuid}/``)."""

from datetime import datetime

import pytest
from plivo import exceptions, plivoxml

from tests.voice.conftest import Sim, clock_auto
from tests.voice.customer_app import CustomerApp

CALLER = "14155550699"


def hangup_xml() -> str:
    response = plivoxml.ResponseElement()
    response.add_speak("Goodbye.")
    return response.to_string()


def test_calls_over_the_cps_limit_are_queued_listed_and_cancellable(sdk, sim: Sim, customer: CustomerApp,
                                                                     still_clock: None) -> None:
    customer.route("/answer", hangup_xml())
    customer.route("/hangup", "")
    destinations = [f"1415555{7000 + index}" for index in range(21)]
    created = sdk.calls.create(from_=CALLER, to_="<".join(destinations), answer_url=customer.url("/answer"),
                               hangup_url=customer.url("/hangup"))
    assert sdk.last_json()["message"] == "call queued"
    uuids = created.request_uuid
    last, before_last = uuids[-1], uuids[-2]  # 2 calls/s: these wait 9-10 s in the queue

    queued = []
    for offset in (0, 20):
        sdk.queued_calls.list_ids(limit=20, offset=offset)
        queued += sdk.last_json()["calls"]
    assert last in queued and before_last in queued and uuids[0] not in queued and len(queued) <= 19
    sdk.queued_calls.get(last)
    assert sdk.last_json()["call_status"] == "queued" and sdk.last_json()["request_uuid"] == last
    sdk.live_calls.list_ids()
    assert last not in sdk.last_json()["calls"]

    sdk.calls.cancel(last)
    assert sdk.last_status == 204
    sdk.calls.delete(before_last)  # the Hangup API works on a queued call too
    with pytest.raises(exceptions.ResourceNotFoundError):
        sdk.queued_calls.get(last)
    clock_auto(sim.server, True)  # the rest of the queue goes in virtual time
    hangups = {hit.params["CallUUID"]: hit.params for hit in customer.wait_for("/hangup", 21)}
    for uuid in (last, before_last):
        params = hangups[uuid]
        assert params["CallStatus"] == "cancel" and params["HangupCauseCode"] == "1000"
        assert params["HangupSource"] == "API Request" and params["AnswerTime"] == ""
        assert sim.record(uuid)["hangup_cause_code"] == 1000
    answered = [uuid for uuid in uuids if uuid not in (last, before_last)]
    assert {hangups[uuid]["HangupCauseCode"] for uuid in answered} == {"4010"}
    assert len(customer.requests_to("/answer")) == 19


def test_queued_calls_start_at_the_cps_pace(sdk, sim: Sim, customer: CustomerApp) -> None:
    customer.route("/answer", hangup_xml())
    customer.route("/hangup", "")
    created = sdk.calls.create(from_=CALLER, to_="14155557101<14155557102<14155557103<14155557104<14155557105",
                               answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    hangups = {hit.params["CallUUID"]: hit.params for hit in customer.wait_for("/hangup", 5)}
    starts = [datetime.strptime(hangups[uuid]["SessionStart"], "%Y-%m-%d %H:%M:%S.%f") for uuid in created.request_uuid]
    offsets = [(start - starts[0]).total_seconds() for start in starts]
    assert [round(offset) for offset in offsets] == [0, 0, 1, 1, 2]  # virtual time: two calls a second


def test_a_cancelled_queued_call_gives_its_slot_back(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    customer.route("/answer", hangup_xml())
    customer.route("/hangup", "")
    destinations = "<".join(f"1415555{7200 + index}" for index in range(21))  # 2 calls/s: dispatched over 0-10 s
    created = sdk.calls.create(from_=CALLER, to_=destinations, answer_url=customer.url("/answer"),
                               hangup_url=customer.url("/hangup"))
    sdk.calls.cancel(created.request_uuid[16])  # its slot is 8 s from now
    late = sdk.calls.create(from_=CALLER, to_="14155557299", answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    assert sdk.last_json()["message"] == "call queued"
    clock_auto(sim.server, True)
    hangups = {hit.params["CallUUID"]: hit.params for hit in customer.wait_for("/hangup", 22)}
    start = {uuid: datetime.strptime(params["SessionStart"], "%Y-%m-%d %H:%M:%S.%f") for uuid, params in hangups.items()
             if params["AnswerTime"]}
    offset = (start[late] - start[created.request_uuid[0]]).total_seconds()
    assert round(offset) == 8  # the freed slot, not the end of the queue (10 s)
