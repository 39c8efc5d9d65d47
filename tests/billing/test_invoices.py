"""Invoice/ (a Switchboard extension): one per closed month in the account's timezone, as JSON,
CSV and a printable page; its totals are the call records' amounts plus rentals, to the cent."""

import csv
import io
import time
from decimal import Decimal
from typing import Any

from tests.billing.conftest import Books, Months, buy_number
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.conftest import customer  # noqa: F401 (the customer application fixture)
from tests.voice.customer_app import CustomerApp
from tests.voice.test_charges import waiting


def get(server: LiveServer, account: MainAccount, path: str, **params: str) -> Any:
    with server.http(account) as http:
        return http.get(f"/v1/Account/{account.auth_id}/{path}", params=params)


def call_record(server: LiveServer, account: MainAccount, customer: CustomerApp, to: str, seconds: int) -> dict[str, Any]:
    sdk = RecordingClient(server.base_url, account.auth_id, account.auth_token)
    customer.route("/answer", waiting(seconds))
    customer.route("/hangup", "")
    uuid = sdk.calls.create(from_="14155562000", to_=to, answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    deadline = time.monotonic() + 20
    with server.http(account) as http:
        while time.monotonic() < deadline:
            record = http.get(f"/v1/Account/{account.auth_id}/Call/{uuid}/")
            if record.status_code == 200 and record.json()["end_time"] is not None:
                return record.json()
            time.sleep(0.02)
    raise AssertionError(f"call {uuid} did not end")


def test_invoice_totals_are_the_records_plus_rentals_to_the_cent(
        billing_server: LiveServer, holder: MainAccount, months: Months, customer: CustomerApp) -> None:
    books = Books(billing_server)
    months.advance_to(months.next_month(day=2))  # the whole test inside one month, whatever the clock said
    month = f"{months.now():%Y-%m}"
    books.credit(holder.auth_id, "10")
    buy_number(billing_server, holder)
    records = [call_record(billing_server, holder, customer, to, seconds)
               for to, seconds in (("14155562001", 70), ("4915112345678", 61), ("18085550100", 5))]
    calls = sum((Decimal(record["total_amount"]) for record in records), Decimal(0))
    assert calls > 0
    months.advance_to(months.next_month(day=1, hour=0))
    invoice = get(billing_server, holder, f"Invoice/{month}/")
    assert invoice.status_code == 200, invoice.text
    body = invoice.json()
    assert Decimal(body["charges"]["calls"]) == calls
    assert Decimal(body["charges"]["numbers"]) == Decimal("0.80000")
    assert [(line["service"], line["country_iso"], line["direction"], line["count"]) for line in body["usage"]] == [
        ("calls", "DE", "outbound", 1), ("calls", "US", "outbound", 2), ("numbers", "US", "", 1)]
    us_minutes = sum(record["billed_duration"] for record in records if record["to_number"].startswith("1")) / 60
    assert Decimal(body["usage"][1]["quantity"]) == Decimal(us_minutes)
    assert Decimal(body["total_charges"]) == calls + Decimal("0.80000")
    assert (body["opening_balance"], body["total_credits"]) == ("0.00000", "10.00000")
    assert Decimal(body["closing_balance"]) == Decimal(10) - calls - Decimal("0.80000")
    assert (body["month"], body["invoice_id"], body["resource_uri"]) == (
        month, f"{holder.auth_id}-{month}", f"/v1/Account/{holder.auth_id}/Invoice/{month}/")

    download = get(billing_server, holder, f"Invoice/{month}/", format="csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    summary = {row["service"]: row["amount"] for row in rows if row["section"] == "summary"}
    assert summary["total_charges"] == body["total_charges"] and summary["closing_balance"] == body["closing_balance"]
    assert sum(Decimal(row["amount"]) for row in rows if row["section"] == "usage") == Decimal(body["total_charges"])

    page = get(billing_server, holder, f"Invoice/{month}/", format="HTML")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"Invoice {month}" in page.text and body["total_charges"] in page.text and body["closing_balance"] in page.text

    listed = get(billing_server, holder, "Invoice/").json()
    assert [item["month"] for item in listed["objects"]][0] == month
    assert listed["meta"]["total_count"] == len(listed["objects"]) >= 1


def test_the_next_invoice_opens_with_the_last_ones_closing_balance(
        billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    months.advance_to(months.next_month(day=3))
    first = f"{months.now():%Y-%m}"
    books.credit(holder.auth_id, "5")
    buy_number(billing_server, holder)
    months.advance_to(months.next_month(day=3))
    second = f"{months.now():%Y-%m}"
    books.credit(holder.auth_id, "1.5")
    months.advance_to(months.next_month(day=1, hour=1))
    one, two = (get(billing_server, holder, f"Invoice/{month}/").json() for month in (first, second))
    assert one["closing_balance"] == two["opening_balance"] == "4.20000"
    assert two["closing_balance"] == "5.70000" and two["total_charges"] == "0.00000"  # renewal falls in the third month
    assert [item["month"] for item in get(billing_server, holder, "Invoice/").json()["objects"]][:2] == [second, first]


def test_invoices_of_open_or_unknown_months_and_bad_input(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    listed = get(billing_server, holder, "Invoice/")
    assert listed.status_code == 200 and listed.json()["objects"] == []  # created this month: nothing closed yet
    current = f"{months.now():%Y-%m}"
    for path, params, status, problem in (
        (f"Invoice/{current}/", {}, 400, "not closed"),
        ("Invoice/1999-01/", {}, 404, "created in"),
        ("Invoice/2024-13/", {}, 400, "YYYY-MM"),
        ("Invoice/2024-1/", {}, 400, "YYYY-MM"),
        ("Invoice/march/", {}, 400, "YYYY-MM"),
        ("Invoice/1999-01/", {"format": "pdf"}, 400, "format"),
        ("Invoice/", {"limit": "50"}, 400, "limit"),
    ):
        response = get(billing_server, holder, path, **params)
        assert response.status_code == status, (path, response.text)
        assert set(response.json()) == {"api_id", "error"} and problem in response.json()["error"], response.text


def test_a_subaccount_cannot_read_invoices(billing_server: LiveServer, holder: MainAccount) -> None:
    with billing_server.http(holder) as http:
        created = http.post(f"/v1/Account/{holder.auth_id}/Subaccount/", json={"name": "s", "enabled": True}).json()
        as_main = http.get(f"/v1/Account/{created['auth_id']}/Invoice/")
    sub = MainAccount(created["auth_id"], created["auth_token"])
    with billing_server.http(sub) as http:
        own = http.get(f"/v1/Account/{sub.auth_id}/Invoice/")
        mains = http.get(f"/v1/Account/{holder.auth_id}/Invoice/2024-01/")
    for refused in (as_main, own, mains):
        assert refused.status_code == 403 and set(refused.json()) == {"api_id", "error"}, refused.text
    assert "main account" in own.json()["error"]
