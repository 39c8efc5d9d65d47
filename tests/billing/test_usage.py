"""Usage/ (a Switchboard extension): what an account spent in a period, by service, country and
direction, its credits and its subaccounts' parts, from the ledger, in the account's timezone."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from switchboard.billing.service import charge_row, ledger_row
from tests.billing.conftest import Books, Months, buy_number, write_rows
from tests.helpers import LiveServer, MainAccount


def read_usage(server: LiveServer, account: MainAccount, path_id: str | None = None, **params: str) -> Any:
    with server.http(account) as http:
        return http.get(f"/v1/Account/{path_id or account.auth_id}/Usage/", params=params)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def lines(report: dict[str, Any]) -> list[tuple[str, str, str, int, str, str]]:
    return [(l["service"], l["country_iso"], l["direction"], l["count"], l["quantity"], l["amount"]) for l in report["usage"]]


def test_usage_by_service_country_and_direction(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    now, main = months.now(), holder.auth_id
    write_rows(billing_server, [
        charge_row(main, None, "call", "c1", Decimal("0.01200"), now, country_iso="US", direction="outbound", quantity=60),
        charge_row(main, None, "call", "c2", Decimal("0.02400"), now, country_iso="US", direction="outbound", quantity=120),
        charge_row(main, None, "call", "c3", Decimal("0.00850"), now, country_iso="US", direction="inbound", quantity=60),
        charge_row(main, None, "call", "c4", Decimal("0.00550"), now, country_iso="DE", direction="outbound", quantity=6),
        charge_row(main, None, "message", "m1", Decimal("0.08000"), now, country_iso="GB", direction="outbound", quantity=2),
        charge_row(main, None, "transcription", "t1", Decimal("0.05000"), now),
    ])
    Books(billing_server).credit(main, "25")
    number = buy_number(billing_server, holder)
    today = now.date().isoformat()
    report = ok(read_usage(billing_server, holder, start_date=today, end_date=today))
    assert lines(report) == [
        ("calls", "DE", "outbound", 1, "0.10", "0.00550"),
        ("calls", "US", "inbound", 1, "1.00", "0.00850"),
        ("calls", "US", "outbound", 2, "3.00", "0.03600"),
        ("messages", "GB", "outbound", 1, "2", "0.08000"),
        ("numbers", "US", "", 1, "1", "0.80000"),
        ("recordings", "", "", 1, "1", "0.05000"),
    ]
    assert report["charges"] == {"calls": "0.05000", "messages": "0.08000", "numbers": "0.80000",
                                 "recordings": "0.05000", "streams": "0.00000",
                                 "other": "0.00000"}
    assert (report["total_charges"], report["total_credits"]) == ("0.98000", "25.00000")
    assert report["credits"] == [{"type": "recharge", "count": 1, "amount": "25.00000"}]
    assert (report["account"], report["subaccount"], report["timezone"]) == (main, None, "UTC")
    assert report["subaccounts"] == [] and number


def test_usage_shows_each_subaccount_and_keeps_a_deleted_ones(
        billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    now, main = months.now(), holder.auth_id
    with billing_server.http(holder) as http:
        subs = [http.post(f"/v1/Account/{main}/Subaccount/", json={"name": name}).json()["auth_id"] for name in ("a", "b")]
    write_rows(billing_server, [
        charge_row(main, None, "call", "own", Decimal("1"), now, country_iso="US", direction="outbound", quantity=60),
        charge_row(main, subs[0], "call", "sub-a", Decimal("2"), now, country_iso="US", direction="outbound", quantity=60),
        charge_row(main, subs[1], "message", "sub-b", Decimal("3"), now, country_iso="CA", direction="outbound", quantity=1),
    ])
    with billing_server.http(holder) as http:
        gone = http.request("DELETE", f"/v1/Account/{main}/Subaccount/{subs[0]}/", json={"cascade": True})
        assert gone.status_code == 204, gone.text
    today = now.date().isoformat()
    report = ok(read_usage(billing_server, holder, start_date=today))
    assert report["total_charges"] == "6.00000"
    assert lines(report) == [("calls", "US", "outbound", 2, "2.00", "3.00000"), ("messages", "CA", "outbound", 1, "1", "3.00000")]
    by_sub = {sub["auth_id"]: (sub["total_charges"], sub["charges"]["calls"], sub["charges"]["messages"])
              for sub in report["subaccounts"]}
    assert by_sub == {subs[0]: ("2.00000", "2.00000", "0.00000"), subs[1]: ("3.00000", "0.00000", "3.00000")}


def test_a_subaccount_reads_only_its_own_usage(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    now, main = months.now(), holder.auth_id
    with billing_server.http(holder) as http:
        created = http.post(f"/v1/Account/{main}/Subaccount/", json={"name": "s", "enabled": True}).json()
    sub = MainAccount(created["auth_id"], created["auth_token"])
    write_rows(billing_server, [
        charge_row(main, None, "call", "main-only", Decimal("1"), now, country_iso="US", direction="outbound", quantity=60),
        charge_row(main, sub.auth_id, "call", "the-subs", Decimal("0.5"), now, country_iso="US", direction="inbound", quantity=60),
    ])
    today = now.date().isoformat()
    for report in (ok(read_usage(billing_server, sub, start_date=today)),  # its own credentials
                   ok(read_usage(billing_server, holder, sub.auth_id, start_date=today))):  # the main acting on it
        assert (report["subaccount"], report["total_charges"]) == (sub.auth_id, "0.50000")
        assert lines(report) == [("calls", "US", "inbound", 1, "1.00", "0.50000")]
    refused = read_usage(billing_server, sub, main, start_date=today)
    assert refused.status_code == 403 and set(refused.json()) == {"api_id", "error"}


def test_days_begin_at_midnight_in_the_account_timezone(billing_server: LiveServer, holder: MainAccount) -> None:
    main = holder.auth_id
    with billing_server.http(holder) as http:
        assert http.post(f"/v1/Account/{main}/", json={"timezone": "America/Los_Angeles"}).status_code == 202
    write_rows(billing_server, [  # 03:00 UTC on 1 March is still 28 February in Los Angeles
        charge_row(main, None, "call", "late-feb", Decimal("1"), datetime(2023, 3, 1, 3, tzinfo=UTC)),
        charge_row(main, None, "call", "early-mar", Decimal("2"), datetime(2023, 3, 1, 9, tzinfo=UTC)),
    ])
    february = ok(read_usage(billing_server, holder, start_date="2023-02-01", end_date="2023-02-28"))
    march = ok(read_usage(billing_server, holder, start_date="2023-03-01", end_date="2023-03-31"))
    assert (february["total_charges"], march["total_charges"]) == ("1.00000", "2.00000")
    assert february["timezone"] == "America/Los_Angeles"


def test_a_charge_without_details_takes_them_from_its_message(
        billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    number = buy_number(billing_server, holder)
    with billing_server.http(holder) as http:
        sent = http.post(f"/v1/Account/{holder.auth_id}/Message/", json={"src": number, "dst": "447700900123", "text": "hi " * 60})
        assert sent.status_code == 202, sent.text
    uuid = sent.json()["message_uuid"][0]
    write_rows(billing_server, [charge_row(holder.auth_id, None, "message", uuid, Decimal("0.08000"), months.now())])
    report = ok(read_usage(billing_server, holder, start_date=months.now().date().isoformat()))
    assert [line for line in lines(report) if line[0] == "messages"] == [("messages", "GB", "outbound", 1, "2", "0.08000")]


@pytest.mark.parametrize(("params", "problem"), [
    ({}, "start_date"),
    ({"start_date": "2024-13-01"}, "start_date"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"start_date": "2024-1-1"}, "start_date"),
    ({"start_date": "2024-02-30"}, "start_date"),
    ({"start_date": "2024-03-01", "end_date": "2024-02-01"}, "before start_date"),
    ({"start_date": "2024-03-01", "end_date": "03/04/2024"}, "end_date"),
])
def test_bad_periods_are_refused(billing_server: LiveServer, holder: MainAccount, params: dict[str, str], problem: str) -> None:
    response = read_usage(billing_server, holder, **params)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"api_id", "error"} and problem in response.json()["error"]


def test_an_unknown_account_is_refused(billing_server: LiveServer, holder: MainAccount) -> None:
    refused = read_usage(billing_server, holder, "MA" + "Z" * 18, start_date="2024-01-01")
    assert refused.status_code == 403 and set(refused.json()) == {"api_id", "error"}
    with billing_server.http(MainAccount("MA" + "Z" * 18, "x" * 40)) as http:
        unknown = http.get(f"/v1/Account/{'MA' + 'Z' * 18}/Usage/", params={"start_date": "2024-01-01"})
    assert unknown.status_code == 401 and set(unknown.json()) == {"api_id", "error"}


def test_credits_and_a_period_with_nothing(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    now = months.now()
    write_rows(billing_server, [ledger_row(holder.auth_id, None, "credit", "coupon", "C1", Decimal("5"), now, "coupon:test-" + holder.auth_id)])
    empty = ok(read_usage(billing_server, holder, start_date=(now - timedelta(days=40)).date().isoformat(),
                          end_date=(now - timedelta(days=35)).date().isoformat()))
    assert (empty["usage"], empty["credits"], empty["total_charges"]) == ([], [], "0.00000")
    assert empty["charges"] == {"calls": "0.00000", "messages": "0.00000", "numbers": "0.00000", "recordings": "0.00000",
                                "streams": "0.00000", "other": "0.00000"}
    report = ok(read_usage(billing_server, holder, start_date=now.date().isoformat()))
    assert report["credits"] == [{"type": "coupon", "count": 1, "amount": "5.00000"}]
