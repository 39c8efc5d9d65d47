"""A prepaid account's month on the simulated network, on the virtual clock: it rents numbers,
makes and receives calls of known lengths, sends GSM-7, UCS-2 and MMS messages, runs out of
credit in a call (1010) and in a bulk send (900 on the rest), is recharged by coupon, and its
invoice for the month equals the records' ``total_amount`` plus the rentals, to the cent.

On PostgreSQL a second node, on the same database, rates calls and messages at the same time."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from plivo import plivoxml

from tests.billing.conftest import Books, Months
from tests.conftest import running_server
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.messaging.conftest import eventually, handset
from tests.messaging.test_charges import set_prepaid
from tests.messaging.test_media import upload
from tests.voice.conftest import Sim, customer  # noqa: F401 (the customer application fixture)
from tests.voice.customer_app import CustomerApp

FINAL = {"delivered", "undelivered", "failed", "rejected"}


@pytest.fixture
def nodes(billing_server: LiveServer, tmp_path: Path) -> Iterator[list[LiveServer]]:
    """The billing server, and on PostgreSQL a second node on its database."""
    if not billing_server.settings.database_url.startswith("postgresql"):
        yield [billing_server]
        return
    with running_server(billing_server.settings.database_url, tmp_path, clock="virtual") as second:
        yield [billing_server, second]


def xml_wait(seconds: int) -> str:
    response = plivoxml.ResponseElement()
    response.add_wait(length=seconds)
    return response.to_string()


def get(server: LiveServer, account: MainAccount, path: str, **params: Any) -> Any:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every(server: LiveServer, account: MainAccount, resource: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = get(server, account, f"{resource}/", limit=20, offset=len(found))
        found += page["objects"]
        if not page["meta"]["next"]:
            return found


def call(server: LiveServer, account: MainAccount, customer: CustomerApp, to: str, seconds: int) -> str:
    sdk = RecordingClient(server.base_url, account.auth_id, account.auth_token)
    return sdk.calls.create(from_="14155567000", to_=to, answer_url=customer.url(f"/answer?seconds={seconds}"),
                            hangup_url=customer.url("/hangup")).request_uuid


def ended(sim: Sim, uuid: str) -> dict[str, Any]:
    return sim.record(uuid, timeout=60)


def send(client: RecordingClient, src: str, text: str, count: int = 1, **extra: Any) -> list[str]:
    return client.messages.create(src=src, dst="<".join(handset() for _ in range(count)), text=text, **extra).message_uuid


def finals(client: RecordingClient, uuids: list[str]) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        messages = {uuid: client.messages.get(uuid) for uuid in uuids}
        return messages if all(m.message_state in FINAL for m in messages.values()) else None

    return eventually(done, timeout=60)


def test_a_prepaid_month_is_invoiced_to_the_cent(billing_server: LiveServer, nodes: list[LiveServer],
                                                 holder: MainAccount, customer: CustomerApp, tmp_path: Path) -> None:
    start = Months(billing_server).next_month(day=2)
    for node in nodes:
        Months(node).advance_to(start)  # every node's clock in the same month, the whole test inside it
    month = f"{Months(billing_server).now():%Y-%m}"
    set_prepaid(billing_server, holder.auth_id, "3")
    customer.route("/answer", lambda params: xml_wait(int(params["seconds"])))
    customer.route("/inbound", '<Response><Speak>Thank you for calling.</Speak><Wait length="30"/></Response>')
    customer.route("/hangup", "")
    sim = Sim(billing_server, holder)
    client = RecordingClient(billing_server.base_url, holder.auth_id, holder.auth_token)

    # Two numbers rented (0.80 each); the second answers inbound calls (a greeting, a 30 s wait).
    sender = sim.rent_number()
    inbound_number = sim.rent_number(sim.application(customer.url("/inbound"), hangup_url=customer.url("/hangup")))

    # Calls of known lengths, on every node at once, and one inbound call.
    legs = [("14155567001", 70, 120, "0.01200"), ("4915112345678", 61, 66, "0.05500"), ("14155567002", 5, 60, "0.01200")]
    with ThreadPoolExecutor(4) as pool:
        placed = [pool.submit(call, nodes[index % len(nodes)], holder, customer, to, seconds)
                  for index, (to, seconds, _, _) in enumerate(legs)]
        incoming = sim.call("14155567003", inbound_number)
        uuids = [future.result() for future in placed]
    for uuid, (_, seconds, billed, rate) in zip(uuids, legs):
        record = ended(sim, uuid)
        assert record["bill_duration"] >= seconds and (record["billed_duration"], record["total_rate"]) == (billed, rate)
    assert (ended(sim, incoming)["billed_duration"], ended(sim, incoming)["total_rate"]) == (60, "0.00850")

    # Messages: two GSM-7 units, three UCS-2 units, an MMS, on both nodes.
    clients = [RecordingClient(node.base_url, holder.auth_id, holder.auth_token) for node in nodes]
    texts = [send(clients[0], sender, "a" * 161), send(clients[-1], sender, "ç" * 141),
             send(clients[0], sender, "picture", type_="mms", media_ids=[upload(client, tmp_path)])]
    sent = finals(client, [uuid for batch in texts for uuid in batch])
    assert [(m.units, m.total_amount) for m in sent.values()] == [(2, "0.01300"), (3, "0.01950"), (1, "0.02000")]

    # A long call to an expensive prefix runs out of credit: 1010, and the balance is not overdrawn.
    cash = Decimal(get(billing_server, holder, "")["cash_credits"])
    assert cash > Decimal("0.179")
    long_call = call(billing_server, holder, customer, "19075550100", 3600)
    record = ended(sim, long_call)
    assert (record["hangup_cause_code"], record["hangup_source"]) == (1010, "Plivo")
    assert record["billed_duration"] == int(cash / Decimal("0.17900")) * 60
    left = Decimal(get(billing_server, holder, "")["cash_credits"])
    assert Decimal(0) <= left < Decimal("0.17900")

    # A coupon pays for part of a bulk send: the rest fails with 900.
    books = Books(billing_server)
    code = books.coupon("0.03")
    with billing_server.http(holder) as http:
        redeemed = http.post(f"/v1/Account/{holder.auth_id}/Coupon/", json={"coupon_code": code})
    assert redeemed.status_code == 202, redeemed.text
    funds = Decimal(redeemed.json()["cash_credits"])
    paid = int(funds / Decimal("0.00650"))  # one unit each
    bulk = finals(client, send(client, sender, "Your appointment is tomorrow.", count=paid + 5))
    assert sorted(m.message_state for m in bulk.values()) == ["delivered"] * paid + ["failed"] * 5
    assert [str(m.error_code) for m in bulk.values()].count("900") == 5
    assert Decimal(get(billing_server, holder, "")["cash_credits"]) >= 0
    with billing_server.http(holder) as http:
        assert http.post(f"/v1/Account/{holder.auth_id}/Coupon/", json={"coupon_code": books.coupon("5")}).status_code == 202

    # The month closes: its invoice is the records plus the rentals, to the cent.
    Months(billing_server).advance_to(Months(billing_server).next_month(day=1, hour=1))
    calls = every(billing_server, holder, "Call")
    messages = every(billing_server, holder, "Message")
    assert len(calls) == len(legs) + 2 and len(messages) == 3 + paid + 5
    records = sum((Decimal(item["total_amount"]) for item in calls + messages), Decimal(0))
    invoice = get(billing_server, holder, f"Invoice/{month}/")
    assert Decimal(invoice["total_charges"]) == records + 2 * Decimal("0.80000")
    assert Decimal(invoice["charges"]["numbers"]) == 2 * Decimal("0.80000")
    assert Decimal(invoice["charges"]["calls"]) == sum((Decimal(item["total_amount"]) for item in calls), Decimal(0))
    assert Decimal(invoice["charges"]["messages"]) == sum((Decimal(item["total_amount"]) for item in messages), Decimal(0))
    assert Decimal(invoice["total_credits"]) == Decimal("3") + Decimal("0.03") + Decimal("5")
    assert Decimal(invoice["closing_balance"]) == Decimal(invoice["opening_balance"]) + Decimal(
        invoice["total_credits"]) - Decimal(invoice["total_charges"])
