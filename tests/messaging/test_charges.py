"""Messages are charged: outbound SMS per unit and MMS per message when they leave, inbound at
the inbound rate, once each, to the main account; a prepaid account without credit gets 900,
a disabled one 910, a destination without a rate is refused."""

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import plivo
import pytest
from sqlalchemy import update

from switchboard.accounts.models import Account
from switchboard.billing.models import LedgerEntry
from switchboard.billing.service import add_credit, balance
from switchboard.core.clock import VirtualClock
from switchboard.core.errors import ValidationError
from switchboard.messaging.charges import REFUSE_SECONDS, MessageBilling
from switchboard.pricing.table import ENV_VAR
from tests.helpers import LiveServer, MainAccount, RecordingClient, use_rate_table
from tests.messaging.conftest import buy, eventually, handset
from tests.messaging.receiver import Receiver
from tests.messaging.test_inbound import inject, number_with_app
from tests.messaging.test_media import upload
from tests.messaging.test_send import finals
from tests.numbers.test_search_buy import subaccount_client
from tests.voice.test_charges import ledger

SHIPPED_RATES = Path(__file__).resolve().parents[2] / "switchboard" / "pricing" / "rates.toml"


def message_charges(server: LiveServer, auth_id: str) -> dict[str, LedgerEntry]:
    rows = [row for row in ledger(server, auth_id) if row.resource_type == "message"]
    assert len({row.resource_id for row in rows}) == len(rows), "a message was charged twice"
    return {row.resource_id: row for row in rows}


def set_prepaid(server: LiveServer, auth_id: str, credit: str) -> None:
    """Make the account prepaid with exactly ``credit`` (whatever its numbers cost so far)."""
    async def run(app: Any) -> None:
        async with app.state.db.session() as session:
            await session.execute(update(Account).where(Account.auth_id == auth_id).values(billing_mode="prepaid"))
            await session.commit()
            top_up = Decimal(credit) - await balance(session, auth_id)
            if top_up > 0:
                await add_credit(session, app.state.clock, auth_id, top_up)
            assert await balance(session, auth_id) == Decimal(credit)
        app.state.credentials.invalidate(auth_id)

    server.call(run)


def cash(server: LiveServer, account: MainAccount) -> str:
    with server.http(account) as http:
        return http.get(f"/v1/Account/{account.auth_id}/").json()["cash_credits"]


def test_sms_are_charged_per_unit_when_they_leave(server: LiveServer, account: MainAccount, client: RecordingClient,
                                                  receiver: Receiver) -> None:
    src = buy(client)
    before = Decimal(cash(server, account))
    gsm = client.messages.create(src=src, dst=handset(), text="a" * 161, url=receiver.url("/status")).message_uuid[0]
    ucs2 = client.messages.create(src=src, dst=handset(), text="ç" * 141, url=receiver.url("/status")).message_uuid[0]
    eventually(lambda: finals(receiver).keys() >= {gsm, ucs2})
    charged = message_charges(server, account.auth_id)
    assert {uuid: row.amount for uuid, row in charged.items()} == {gsm: Decimal("-0.01300"), ucs2: Decimal("-0.01950")}
    assert {row.idempotency_key for row in charged.values()} == {f"message:{gsm}", f"message:{ucs2}"}
    assert all(row.sub_account_id is None and row.kind == "charge" for row in charged.values())
    assert {uuid: (row.country_iso, row.direction, row.quantity) for uuid, row in charged.items()} == {
        gsm: ("US", "outbound", 2), ucs2: ("US", "outbound", 3)}  # what the usage report groups by
    for uuid, units, amount in ((gsm, 2, "0.01300"), (ucs2, 3, "0.01950")):
        message = client.messages.get(uuid)
        assert (message.units, message.total_rate, message.total_amount) == (units, "0.00650", amount)
        delivered = [c.params for c in receiver.at("/status") if c.params["MessageUUID"] == uuid and c.params["Status"] == "delivered"]
        assert (delivered[0]["TotalRate"], delivered[0]["TotalAmount"]) == ("0.00650", amount)
    assert Decimal(cash(server, account)) == before - Decimal("0.03250")


def test_an_mms_is_charged_per_message(server: LiveServer, account: MainAccount, client: RecordingClient,
                                       receiver: Receiver, tmp_path: Path) -> None:
    media_id = upload(client, tmp_path)
    src = buy(client)
    [uuid] = client.messages.create(src=src, dst=handset(), text="x" * 500, type_="mms", media_ids=[media_id],
                                    url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "delivered")
    assert message_charges(server, account.auth_id)[uuid].amount == Decimal("-0.02000")
    message = client.messages.get(uuid)
    assert (message.total_rate, message.total_amount) == ("0.02000", "0.02000")


def test_a_subaccounts_messages_are_charged_to_its_main_account(server: LiveServer, account: MainAccount,
                                                                client: RecordingClient, receiver: Receiver) -> None:
    sub_id, sub = subaccount_client(server, client)
    number = buy(client)
    client.numbers.update(number, subaccount=sub_id)
    [uuid] = sub.messages.create(src=number, dst=handset(), text="from the branch", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "delivered")
    row = message_charges(server, account.auth_id)[uuid]
    assert (row.account_id, row.sub_account_id, row.amount) == (account.auth_id, sub_id, Decimal("-0.00650"))
    assert ledger(server, sub_id) == []


def test_inbound_messages_are_charged_at_the_inbound_rate(server: LiveServer, account: MainAccount, client: RecordingClient,
                                                          receiver: Receiver, tmp_path: Path) -> None:
    edited = tmp_path / "rates.toml"
    shipped = SHIPPED_RATES.read_text()
    us_inbound = 'message = { inbound = "0.00000", outbound = "0.00650", outbound_networks = [{ group_name = "US"'
    assert us_inbound in shipped
    edited.write_text(shipped.replace(us_inbound, us_inbound.replace('inbound = "0.00000"', 'inbound = "0.00400"'), 1))
    before = os.environ.get(ENV_VAR)
    use_rate_table(str(edited))
    try:
        number = number_with_app(client, receiver)
        inject(server, account, handset(), number, "b" * 200)  # two units
        [posted] = eventually(lambda: receiver.at("/incoming"))
    finally:
        use_rate_table(before)
    uuid = posted.params["MessageUUID"]
    assert (posted.params["Units"], posted.params["TotalRate"], posted.params["TotalAmount"]) == ("2", "0.00400", "0.00800")
    charge = message_charges(server, account.auth_id)[uuid]
    assert (charge.amount, charge.country_iso, charge.direction, charge.quantity) == (Decimal("-0.00800"), "US", "inbound", 2)
    assert client.messages.get(uuid).total_amount == "0.00800"


def test_a_destination_without_a_rate_is_refused(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    src = buy(client)
    with pytest.raises(plivo.exceptions.ValidationError) as refused:
        client.messages.create(src=src, dst=f"{handset()}<81312345678", text="to Japan")
    assert client.last_status == 400
    assert "81312345678" in str(refused.value) and "no rate" in str(refused.value)
    client.messages.list(limit=20)
    assert client.last_json()["meta"]["total_count"] == 0  # nothing of the request was stored
    assert message_charges(server, account.auth_id) == {}


def test_a_bulk_send_that_runs_out_of_credit_fails_the_rest_with_900(
        server: LiveServer, account: MainAccount, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    set_prepaid(server, account.auth_id, "0.03000")  # 4 messages at 0.00650 (0.02600), not 5
    dsts = [handset() for _ in range(10)]
    uuids = client.messages.create(src=src, dst="<".join(dsts), text="bulk", url=receiver.url("/status")).message_uuid
    assert client.last_status == 202  # accepted: the credit is checked as the messages leave
    eventually(lambda: len(finals(receiver)) == 10)
    states = {uuid: client.messages.get(uuid) for uuid in uuids}
    sent = [uuid for uuid in uuids if states[uuid].message_state == "delivered"]
    assert sent == uuids[:4]  # the earlier messages went
    for uuid in uuids[4:]:
        message = states[uuid]
        assert (message.message_state, message.error_code, message.total_amount) == ("failed", "900", "0.00000")
        [final] = [c.params for c in receiver.at("/status") if c.params["MessageUUID"] == uuid and c.params["Status"] == "failed"]
        assert (final["ErrorCode"], final["TotalAmount"]) == ("900", "0.00000")
    assert set(message_charges(server, account.auth_id)) == set(sent)
    assert cash(server, account) == "0.00400"  # never below zero
    with pytest.raises(plivo.exceptions.ValidationError) as refused:  # Plivo: sends fail for 2 minutes after a 900
        client.messages.create(src=src, dst=handset(), text="again")
    assert "Insufficient Credit" in str(refused.value)


def test_a_message_the_balance_cannot_pay_fails_with_900_uncharged(
        server: LiveServer, account: MainAccount, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    set_prepaid(server, account.auth_id, "0.00649")  # less than one message
    [uuid] = client.messages.create(src=src, dst=handset(), text="one", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "failed")
    assert client.messages.get(uuid).error_code == "900"
    assert cash(server, account) == "0.00649" and message_charges(server, account.auth_id) == {}


def test_the_api_refuses_sends_for_two_minutes_after_a_900() -> None:
    clock = VirtualClock(auto=False)
    billing = MessageBilling(clock, None)
    billing.check_accepting("MA1")
    billing._out_of_credit("MA1")
    with pytest.raises(ValidationError, match="Insufficient Credit"):
        billing.check_accepting("MA1")
    billing.check_accepting("MA2")  # other accounts send on
    clock.advance(REFUSE_SECONDS - 1)
    with pytest.raises(ValidationError):
        billing.check_accepting("MA1")
    clock.advance(2)
    billing.check_accepting("MA1")


def test_a_disabled_accounts_messages_fail_with_910(server: LiveServer, account: MainAccount, client: RecordingClient,
                                                    receiver: Receiver) -> None:
    sub_id, _sub = subaccount_client(server, client)
    number = buy(client)
    client.numbers.update(number, subaccount=sub_id)
    client.subaccounts.update(sub_id, name="branch", enabled=False)
    with server.http(account) as http:  # the main account may still act inside its disabled subaccount
        response = http.post(f"/v1/Account/{sub_id}/Message/", json={
            "src": number, "dst": handset(), "text": "hello", "url": receiver.url("/status")})
    assert response.status_code == 202, response.text
    [uuid] = response.json()["message_uuid"]
    eventually(lambda: finals(receiver).get(uuid) == "failed")
    [final] = [c.params for c in receiver.at("/status") if c.params["Status"] == "failed"]
    assert (final["ErrorCode"], final["TotalAmount"]) == ("910", "0.00000")
    message = client.messages.get(uuid)
    assert (message.error_code, message.total_amount) == ("910", "0.00000")
    assert message_charges(server, account.auth_id) == {}


def test_credit_added_between_sends_is_spent_and_no_more(server: LiveServer, account: MainAccount, client: RecordingClient,
                                                         receiver: Receiver) -> None:
    """The balance read before each batch sees the charges and credits since the last one."""
    src = buy(client)
    set_prepaid(server, account.auth_id, "0.00650")  # one message
    [first] = client.messages.create(src=src, dst=handset(), text="one", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(first) == "delivered")
    assert cash(server, account) == "0.00000"

    async def recharge(app: Any) -> None:
        async with app.state.db.session() as session:
            await add_credit(session, app.state.clock, account.auth_id, Decimal("0.01300"))  # two more

    server.call(recharge)
    uuids = client.messages.create(src=src, dst="<".join(handset() for _ in range(3)), text="three",
                                   url=receiver.url("/status")).message_uuid
    eventually(lambda: len(finals(receiver)) == 4)
    assert [finals(receiver)[uuid] for uuid in uuids] == ["delivered", "delivered", "failed"]
    assert set(message_charges(server, account.auth_id)) == {first, *uuids[:2]}
    assert cash(server, account) == "0.00000"
