"""Call records (CDRs) through the SDK: every filter of ``GET Call/``, paging, subaccounts, and a
transfer whose URL fails."""

from plivo import plivoxml

from tests.helpers import assert_plivo_shape
from tests.voice.test_outbound import RECORD_EXTRA
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp

CALLER = "14155550699"


def test_call_list_filters_and_paging(sdk, sim: Sim, customer: CustomerApp) -> None:
    long_call = plivoxml.ResponseElement()
    long_call.add_wait(length=70)
    customer.route("/long", long_call.to_string())
    customer.route("/short", "<Response><Speak>Hi</Speak></Response>")
    customer.route("/hangup", "")
    sim.phone("14155550602", [{"reject": "busy"}])
    uuids = {}
    for name, to, path in (("long", "14155550601", "/long"), ("busy", "14155550602", "/short"),
                           ("short", "14155550603", "/short")):
        uuids[name] = sdk.calls.create(from_=CALLER, to_=to, answer_url=customer.url(path),
                                       hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/hangup", 3)
    for uuid in uuids.values():
        sim.record(uuid)

    listed = sdk.calls.list()
    assert_plivo_shape(sdk.last_json(), "callListResponse", extra=RECORD_EXTRA)
    assert {c.call_uuid for c in listed} == set(uuids.values())

    def uuids_for(**filters: object) -> set[str]:
        return {c.call_uuid for c in sdk.calls.list(**filters)}

    assert uuids_for(call_direction="outbound") == set(uuids.values())
    assert uuids_for(call_direction="inbound") == set()
    assert uuids_for(to_number="14155550603") == {uuids["short"]}
    assert uuids_for(from_number=CALLER) == set(uuids.values())
    assert uuids_for(hangup_cause_code=3010) == {uuids["busy"]}
    assert uuids_for(hangup_source="Callee") == {uuids["busy"]}
    raw = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Call/", params={"bill_duration__gte": 60}).json()
    assert {c["call_uuid"] for c in raw["objects"]} == {uuids["long"]}  # the SDK has no bill_duration__* keywords
    assert uuids_for(bill_duration=0) == {uuids["busy"]}
    assert uuids_for(end_time__gte="2000-01-01 00:00") == set(uuids.values())
    assert uuids_for(end_time__lt="2000-01-01 00:00") == set()

    page = sdk.calls.list(limit=2, offset=0)
    meta = sdk.last_json()["meta"]
    assert len(page) == 2 and meta["total_count"] == 3 and meta["next"] is not None
    long_record = sdk.calls.get(uuids["long"])
    assert long_record.billed_duration == 120 and long_record.call_duration >= 70

    bad = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Call/", params={"end_time__gt": "yesterday"})
    assert bad.status_code == 400
    other = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Call/", params={"subaccount": "SANOTMINE0000000000X"})
    assert other.status_code == 400


def test_subaccount_sees_only_its_calls(sdk, sim: Sim, customer: CustomerApp, voice_server) -> None:
    from tests.helpers import RecordingClient

    customer.route("/short", "<Response><Speak>Hi</Speak></Response>")
    customer.route("/hangup", "")
    sub = sdk.subaccounts.create(name="Branch office", enabled=True)
    branch = RecordingClient(voice_server.base_url, sub.auth_id, sub.auth_token)
    mine = branch.calls.create(from_=CALLER, to_="14155550611", answer_url=customer.url("/short"),
                               hangup_url=customer.url("/hangup")).request_uuid
    main = sdk.calls.create(from_=CALLER, to_="14155550612", answer_url=customer.url("/short"),
                            hangup_url=customer.url("/hangup")).request_uuid
    hangups = customer.wait_for("/hangup", 2)
    assert {h.params["ParentAuthID"] for h in hangups} == {sim.account.auth_id}
    sim.record(mine)
    sim.record(main)
    assert {c.call_uuid for c in branch.calls.list()} == {mine}
    assert {c.call_uuid for c in sdk.calls.list(subaccount=sub.auth_id)} == {mine}
    assert {c.call_uuid for c in sdk.calls.list()} >= {mine, main}


def test_transfer_to_a_failing_url_ends_with_7013(sdk, sim: Sim, customer: CustomerApp, still_clock) -> None:
    hold = plivoxml.ResponseElement()
    hold.add_wait(length=120)
    customer.route("/answer", hold.to_string())
    customer.route("/hangup", "")
    customer.route("/bad", "<Response><Bogus/></Response>")
    sim.phone("14155550621", [{"ring": 0}])
    sim.phone("14155550622", [{"ring": 0}])
    first = sdk.calls.create(from_=CALLER, to_="14155550621", answer_url=customer.url("/answer"),
                             hangup_url=customer.url("/hangup")).request_uuid
    second = sdk.calls.create(from_=CALLER, to_="14155550622", answer_url=customer.url("/answer"),
                              hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/answer", 2)
    sdk.calls.update(first, legs="aleg", aleg_url=customer.url("/missing"))
    sdk.calls.update(second, legs="aleg", aleg_url=customer.url("/bad"))
    hangups = {h.params["CallUUID"]: h.params["HangupCauseCode"] for h in customer.wait_for("/hangup", 2)}
    assert hangups == {first: "7013", second: "8013"}
