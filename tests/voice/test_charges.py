"""Calls are charged when their record closes: each answered leg once, at the rate it had when it
was answered, in its destination's billing increments, into the ledger of its main account."""

import asyncio
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from plivo import plivoxml
from sqlalchemy import select

from switchboard.billing.models import LedgerEntry
from switchboard.billing.rating import billed_seconds
from switchboard.core.ids import new_uuid
from switchboard.pricing.table import ENV_VAR, VoiceTariff, rate_table
from switchboard.voice import causes
from switchboard.voice.call import CallOptions, CallUrls, LiveCall
from tests.helpers import LiveServer, RecordingClient, use_rate_table
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.test_dial import dial_xml, inbound

CALLER = "14155562000"


def ledger(server: LiveServer, auth_id: str) -> list[LedgerEntry]:
    """The account's ledger rows but its number rentals (tests/billing/test_rentals.py has those)."""
    async def run(app: Any) -> list[LedgerEntry]:
        async with app.state.db.session() as session:
            return list(await session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == auth_id,
                                                                        LedgerEntry.resource_type != "rental")
                                              .order_by(LedgerEntry.entry_id)))

    return server.call(run)


def waiting(seconds: int) -> str:
    response = plivoxml.ResponseElement()
    response.add_wait(length=seconds)
    return response.to_string()


def place(sdk: RecordingClient, customer: CustomerApp, to: str, xml: str) -> str:
    customer.route("/answer", xml)
    customer.route("/hangup", "")
    return sdk.calls.create(from_=CALLER, to_=to, answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid


def test_an_answered_call_is_charged_once_at_its_rate(sdk: RecordingClient, sim: Sim, customer: CustomerApp,
                                                      voice_server: LiveServer) -> None:
    uuid = place(sdk, customer, "14155562001", waiting(70))
    hangup = customer.wait_for("/hangup")[0].params
    record = sim.record(uuid)
    assert record["bill_duration"] >= 70 and record["billed_duration"] == billed_seconds(record["bill_duration"], 60, 60)
    expected = Decimal("0.01200") * record["billed_duration"] / 60
    assert (record["total_rate"], Decimal(record["total_amount"])) == ("0.01200", expected)
    assert hangup["TotalCost"] == record["total_amount"] and hangup["BillRate"] == "0.01200"
    rows = ledger(voice_server, sim.account.auth_id)
    assert [(r.kind, r.resource_type, r.resource_id, r.amount, r.sub_account_id) for r in rows] == [
        ("charge", "call", uuid, -expected, None)]
    account = sim.http.get(f"/v1/Account/{sim.account.auth_id}/").json()
    assert (account["billing_mode"], Decimal(account["cash_credits"])) == ("postpaid", -expected)


def test_a_german_mobile_is_billed_in_six_second_steps(sdk: RecordingClient, sim: Sim, customer: CustomerApp,
                                                       voice_server: LiveServer) -> None:
    uuid = place(sdk, customer, "4915112345678", waiting(61))
    record = sim.record(uuid)
    billed = record["billed_duration"]
    assert billed == billed_seconds(record["bill_duration"], 6, 6) and billed % 6 == 0 and billed < 120
    assert record["total_rate"] == "0.05500"
    assert Decimal(record["total_amount"]) == Decimal("0.05500") * billed / 60
    assert [r.amount for r in ledger(voice_server, sim.account.auth_id)] == [-Decimal(record["total_amount"])]


def test_a_call_never_answered_costs_nothing(sdk: RecordingClient, sim: Sim, customer: CustomerApp,
                                             voice_server: LiveServer) -> None:
    sim.phone("14155562002", [{"reject": "busy"}])
    uuid = place(sdk, customer, "14155562002", waiting(5))
    record = sim.record(uuid)
    assert (record["billed_duration"], record["total_amount"], record["total_rate"]) == (0, "0.00000", "0.01200")
    assert ledger(voice_server, sim.account.auth_id) == []


def test_each_leg_of_a_dial_is_charged_and_a_subaccounts_on_the_main_account(
        sdk: RecordingClient, sim: Sim, customer: CustomerApp, voice_server: LiveServer) -> None:
    sim.phone("14155562003", [{"ring": 1}, {"say": "Hello."}, {"wait": 30}, {"hangup": True}])
    a_uuid = inbound(sim, customer, dial_xml("14155562003", action=customer.url("/action")), [{"wait": 90}])
    customer.wait_for("/hangup")
    b_uuid = customer.wait_for("/action")[0].params["DialBLegUUID"]
    a, b = sim.record(a_uuid), sim.record(b_uuid)
    assert a["call_direction"] == "inbound" and a["total_rate"] == "0.00850"  # the US local number's inbound rate
    assert b["total_rate"] == "0.01200"
    charged = {r.resource_id: r.amount for r in ledger(voice_server, sim.account.auth_id)}
    assert charged == {a_uuid: -Decimal(a["total_amount"]), b_uuid: -Decimal(b["total_amount"])}
    assert all(amount < 0 for amount in charged.values())

    sub = sdk.subaccounts.create(name="Branch", enabled=True)
    branch = RecordingClient(voice_server.base_url, sub.auth_id, sub.auth_token)
    customer.route("/answer2", waiting(10))
    uuid = branch.calls.create(from_=CALLER, to_="14155562004", answer_url=customer.url("/answer2")).request_uuid
    record = sim.record(uuid)
    row = next(r for r in ledger(voice_server, sim.account.auth_id) if r.resource_id == uuid)
    assert (row.sub_account_id, row.amount) == (sub.auth_id, -Decimal(record["total_amount"]))
    as_sub = branch.account.get()
    rent = Decimal(sim.http.get(f"/v1/Account/{sim.account.auth_id}/Number/").json()["objects"][0]["monthly_rental_rate"])
    assert Decimal(as_sub.cash_credits) == sum(r.amount for r in ledger(voice_server, sim.account.auth_id)) - rent


def test_a_destination_without_a_rate_is_refused_never_free(sdk: RecordingClient, sim: Sim, customer: CustomerApp,
                                                            voice_server: LiveServer) -> None:
    refused = sim.http.post(f"/v1/Account/{sim.account.auth_id}/Call/", json={
        "from": CALLER, "to": "81312345678", "answer_url": customer.url("/answer")})
    assert refused.status_code == 400 and "no rate" in refused.json()["error"]
    a_uuid = inbound(sim, customer, dial_xml("81312345678", action=customer.url("/action")), [{"wait": 5}])
    assert customer.wait_for("/action")[0].params["DialStatus"] == "failed"
    customer.wait_for("/hangup")
    b_legs = sdk.calls.list(parent_call_uuid=a_uuid)
    assert [(leg.hangup_cause_code, leg.total_amount) for leg in b_legs] == [(2000, "0.00000")]
    errors = sim.http.get(f"/v1/Account/{sim.account.auth_id}/WebhookLog/", params={"errors": "true"}).json()["objects"]
    assert any("81312345678" in e["error"] and "no rate" in e["error"] for e in errors)
    assert b_legs[0].call_uuid not in {r.resource_id for r in ledger(voice_server, sim.account.auth_id)}


def test_the_rate_at_answer_applies_when_the_table_changes_mid_call(
        sdk: RecordingClient, sim: Sim, customer: CustomerApp, voice_server: LiveServer, tmp_path: Path) -> None:
    edited = tmp_path / "rates.toml"
    edited.write_text('[countries.US]\nvoice.outbound_rates = [{ prefix = ["1"], rate = "9.00000" }]\n')
    before = os.environ.get(ENV_VAR)

    def answer(_params: dict[str, str]) -> str:  # the call is answered: the operator edits the table now
        use_rate_table(str(edited))
        return waiting(30)

    try:
        customer.route("/answer", answer)
        uuid = sdk.calls.create(from_=CALLER, to_="14155562005", answer_url=customer.url("/answer")).request_uuid
        record = sim.record(uuid)
        assert rate_table().voice_outbound_rate("14155562005") == Decimal("9.00000")  # the edit was read
    finally:
        use_rate_table(before)
    assert record["total_rate"] == "0.01200"
    assert [r.amount for r in ledger(voice_server, sim.account.auth_id)] == [-Decimal(record["total_amount"])]


def test_a_completion_written_twice_or_at_once_charges_once(voice_server: LiveServer, sim: Sim) -> None:
    """A retried completion (its first commit's answer lost), or two nodes closing the same record."""
    async def run(app: Any) -> None:
        clock, writer = app.state.clock, app.state.voice.records
        call = LiveCall(new_uuid(), new_uuid(), sim.account.auth_id, None, "outbound", CALLER, "14155562006", "",
                        CallUrls(), CallOptions(), clock, clock.now(), VoiceTariff(Decimal("0.01200")))
        await writer.insert([call])
        call.answer_time, call.end_time, call.cause, call.status = clock.now(), clock.now(), causes.NORMAL_HANGUP, "completed"
        await writer.complete(call, 61, 61, 120)
        await writer.complete(call, 61, 61, 120)
        await asyncio.gather(writer.complete(call, 61, 61, 120), writer.complete(call, 61, 61, 120))

    voice_server.call(run)
    assert [r.amount for r in ledger(voice_server, sim.account.auth_id)] == [Decimal("-0.02400")]
