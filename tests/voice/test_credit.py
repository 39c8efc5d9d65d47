"""A prepaid account's calls end with 1010 "Canceled (Out Of Credits)" when the balance cannot
pay the next billing increment; postpaid accounts are never cut off."""

from decimal import Decimal
from typing import Any

import pytest

from switchboard.accounts.service import create_main_account
from switchboard.billing.service import add_credit
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp
from tests.voice.test_charges import ledger, place, waiting


def prepaid_account(server: LiveServer, credit: str) -> MainAccount:
    async def create(app: Any) -> MainAccount:
        async with app.state.db.session() as session:
            account = await create_main_account(session, app.state.clock, name="Prepaid", billing_mode="prepaid")
            await add_credit(session, app.state.clock, account.auth_id, Decimal(credit))
        return MainAccount(account.auth_id, account.auth_token)

    return server.call(create)


@pytest.fixture
def prepaid(voice_server: LiveServer) -> tuple[Sim, RecordingClient]:
    account = prepaid_account(voice_server, "0.05")
    return Sim(voice_server, account), RecordingClient(voice_server.base_url, account.auth_id, account.auth_token)


def test_a_call_ends_with_1010_when_the_credit_cannot_pay_the_next_minute(
        prepaid: tuple[Sim, RecordingClient], customer: CustomerApp, voice_server: LiveServer) -> None:
    sim, sdk = prepaid
    uuid = place(sdk, customer, "14155563001", waiting(600))
    hangup = customer.wait_for("/hangup")[0].params
    assert (hangup["HangupCauseCode"], hangup["HangupCauseName"], hangup["HangupSource"]) == (
        "1010", "Canceled (Out Of Credits)", "Plivo")
    record = sim.record(uuid)
    # 0.05 pays four minutes at 0.01200 (0.04800), not a fifth: the call ends before 240 s
    assert 230 < record["bill_duration"] <= 240
    assert (record["billed_duration"], record["total_amount"]) == (240, "0.04800")
    assert record["hangup_cause_code"] == 1010
    assert sim.http.get(f"/v1/Account/{sim.account.auth_id}/").json()["cash_credits"] == "0.00200"
    assert [r.amount for r in ledger(voice_server, sim.account.auth_id)] == [Decimal("0.05"), Decimal("-0.048")]


def test_a_call_the_credit_cannot_start_ends_at_answer(voice_server: LiveServer, customer: CustomerApp) -> None:
    account = prepaid_account(voice_server, "0.01")  # less than the first minute (0.01200)
    sim, sdk = Sim(voice_server, account), RecordingClient(voice_server.base_url, account.auth_id, account.auth_token)
    uuid = place(sdk, customer, "14155563002", waiting(600))
    assert customer.wait_for("/hangup")[0].params["HangupCauseCode"] == "1010"
    record = sim.record(uuid)
    assert (record["billed_duration"], record["total_amount"]) == (0, "0.00000")
    assert sim.http.get(f"/v1/Account/{account.auth_id}/").json()["cash_credits"] == "0.01000"


def test_a_recharge_lets_the_next_call_run(voice_server: LiveServer, customer: CustomerApp) -> None:
    account = prepaid_account(voice_server, "0.01")
    sim, sdk = Sim(voice_server, account), RecordingClient(voice_server.base_url, account.auth_id, account.auth_token)

    async def recharge(app: Any) -> None:
        async with app.state.db.session() as session:
            await add_credit(session, app.state.clock, account.auth_id, Decimal("1"))

    voice_server.call(recharge)
    uuid = place(sdk, customer, "14155563003", waiting(70))
    record = sim.record(uuid)
    assert record["hangup_cause_code"] != 1010 and record["billed_duration"] == 120


def test_a_postpaid_account_runs_past_zero(sdk: RecordingClient, sim: Sim, customer: CustomerApp) -> None:
    uuid = place(sdk, customer, "14155563004", waiting(300))
    record = sim.record(uuid)
    assert record["hangup_cause_code"] != 1010 and record["billed_duration"] >= 300
    assert Decimal(sim.http.get(f"/v1/Account/{sim.account.auth_id}/").json()["cash_credits"]) < 0
