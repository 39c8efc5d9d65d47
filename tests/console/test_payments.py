"""Payments pages. Recharge: the balance, and a coupon redeemed once through the same service as
the API's ``POST Coupon/``; errors beside the field; CSRF; a subaccount cannot redeem. Usage,
Invoices, History and Recurring Charges: the same numbers and files as the API, paged, and a
subaccount sees only its own part (invoices: refused, as the API refuses them)."""

import html
import re
from datetime import UTC, datetime
from decimal import Decimal

from switchboard.billing.service import charge_row
from tests.billing.conftest import Books, Months, account_object, billing_server, buy_number, holder, months, write_rows  # noqa: F401 (fixtures)
from tests.console.helpers import ConsoleUser, field_error, signed_in
from tests.helpers import LiveServer, MainAccount

PAGE = "/payments/recharge"


def shown_balance(page: str) -> Decimal:
    found = re.search(r'id="cash-credits">\$([-0-9.]+)<', page)
    assert found, page
    return Decimal(found.group(1))


def test_a_coupon_is_redeemed_once_and_the_balance_shows_it(server: LiveServer, account: MainAccount,
                                                             console: ConsoleUser) -> None:
    code = Books(server).coupon("12.5")
    assert shown_balance(console.get(PAGE).text) == 0
    redeemed = console.post(PAGE, {"coupon_code": code.lower()})
    assert redeemed.status_code == 303
    page = console.get(redeemed.headers["location"])
    assert "The coupon added $12.50000 of credit." in page.text and shown_balance(page.text) == Decimal("12.5")
    assert account_object(server, account)["cash_credits"] == "12.50000"
    again = console.post(PAGE, {"coupon_code": code})
    assert again.status_code == 400
    assert field_error(again.text, "coupon_code") == "coupon_code: this coupon has already been redeemed"
    assert account_object(server, account)["cash_credits"] == "12.50000"


def test_bad_codes_and_forms_without_the_csrf_token_change_nothing(server: LiveServer, account: MainAccount,
                                                                    console: ConsoleUser) -> None:
    code = Books(server).coupon("3")
    unknown = console.post(PAGE, {"coupon_code": "<script>alert(1)</script>"})
    assert unknown.status_code == 400 and field_error(unknown.text, "coupon_code") == "coupon_code: no such coupon"
    assert "<script>alert(1)</script>" not in unknown.text and html.escape("<script>alert(1)</script>") in unknown.text
    assert console.post(PAGE, {"coupon_code": ""}).status_code == 400
    assert console.post(PAGE, {"coupon_code": code}, token=False).status_code == 403
    assert account_object(server, account)["cash_credits"] == "0.00000"


def test_a_subaccount_sees_the_balance_but_cannot_redeem(server: LiveServer, account: MainAccount) -> None:
    code = Books(server).coupon("3")
    with server.http(account) as api:
        sub = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "Field", "enabled": True}).json()
    user = ConsoleUser(server)
    try:
        assert user.sign_in(sub["auth_id"], sub["auth_token"]).status_code == 303
        page = user.get(PAGE)
        assert page.status_code == 200 and "Redeem Coupon" not in page.text and shown_balance(page.text) == 0
        assert user.post(PAGE, {"coupon_code": code}).status_code == 403
    finally:
        user.close()
    assert account_object(server, account)["cash_credits"] == "0.00000"


# --- Usage, Invoices, History, Recurring Charges ------------------------------------------------



def new_subaccount(server: LiveServer, account: MainAccount, name: str = "Field") -> dict[str, str]:
    with server.http(account) as api:
        created = api.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": name, "enabled": True})
    assert created.status_code == 201, created.text
    return created.json()


def shown(page: str, element_id: str) -> str:
    found = re.search(rf'id="{re.escape(element_id)}">\$([-0-9.]+)<', page)
    assert found, f"{element_id} not on the page"
    return found.group(1)


def test_usage_shows_the_numbers_of_the_usage_api(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    now, main = months.now(), holder.auth_id
    sub = new_subaccount(billing_server, holder)
    other = new_subaccount(billing_server, holder, "Other")
    write_rows(billing_server, [
        charge_row(main, None, "call", f"u1-{main}", Decimal("0.02400"), now, country_iso="US", direction="outbound", quantity=120),
        charge_row(main, sub["auth_id"], "call", f"u2-{main}", Decimal("0.01200"), now, country_iso="GB",
                   direction="inbound", quantity=60),
        charge_row(main, other["auth_id"], "message", f"u3-{main}", Decimal("0.00650"), now, country_iso="US",
                   direction="outbound", quantity=1),
    ])
    Books(billing_server).credit(main, "5")
    day = now.date().isoformat()
    with billing_server.http(holder) as api:
        report = api.get(f"/v1/Account/{main}/Usage/", params={"start_date": day, "end_date": day}).json()
    user = signed_in(billing_server, holder.auth_id, holder.auth_token)
    try:
        page = user.get("/payments/usage", params={"start_date": day, "end_date": day})
        assert page.status_code == 200
        assert shown(page.text, "total-charges") == report["total_charges"] == "0.04250"
        assert shown(page.text, "total-credits") == report["total_credits"] == "5.00000"
        for service, amount in report["charges"].items():
            assert shown(page.text, f"charges-{service}") == amount
        for part in report["subaccounts"]:
            assert shown(page.text, f"sub-{part['auth_id']}-total") == part["total_charges"]
        assert "120 s" not in page.text and "2.00 minutes" in page.text  # the API's quantity and unit
        assert 'aria-current="page">Usage<' in page.text
        bad = user.get("/payments/usage", params={"start_date": "2024-02-30"})
        assert bad.status_code == 400 and field_error(bad.text, "start_date") == "start_date: '2024-02-30' is not a date in the form YYYY-MM-DD"
        backwards = user.get("/payments/usage", params={"start_date": day, "end_date": "2000-01-01"})
        assert backwards.status_code == 400 and field_error(backwards.text, "end_date").startswith("end_date: 2000-01-01 is before")
    finally:
        user.close()
    sub_user = signed_in(billing_server, sub["auth_id"], sub["auth_token"])
    try:
        page = sub_user.get("/payments/usage", params={"start_date": day, "end_date": day})
        assert page.status_code == 200 and shown(page.text, "total-charges") == "0.01200"
        assert other["auth_id"] not in page.text and "5.00000" not in page.text
    finally:
        sub_user.close()


def test_invoices_list_closed_months_with_the_api_downloads(billing_server: LiveServer, holder: MainAccount,
                                                             months: Months) -> None:
    months.advance_to(months.next_month(day=2))
    month, main = f"{months.now():%Y-%m}", holder.auth_id
    Books(billing_server).credit(main, "3")
    write_rows(billing_server, [charge_row(main, None, "call", f"i1-{main}", Decimal("0.50000"), months.now(),
                                           country_iso="US", direction="outbound", quantity=60)])
    months.advance_to(months.next_month(day=1, hour=12))
    with billing_server.http(holder) as api:
        base = f"/v1/Account/{main}/Invoice/{month}/"
        invoice, csv_text, printable = (api.get(base).json(), api.get(base, params={"format": "csv"}).text,
                                        api.get(base, params={"format": "html"}).text)
    user = signed_in(billing_server, holder.auth_id, holder.auth_token)
    try:
        page = user.get("/payments/invoices")
        assert page.status_code == 200
        row = re.search(rf'<tr id="invoice-{month}">(.*?)</tr>', page.text, re.DOTALL)
        assert row, page.text
        for key in ("opening_balance", "total_charges", "total_credits", "closing_balance"):
            assert f"${invoice[key]}<" in row.group(1)
        assert invoice["closing_balance"] == "2.50000"
        assert holder.auth_token not in page.text  # the links are console routes, not the API with the token
        download = user.get(f"/payments/invoices/{month}/csv")
        assert download.status_code == 200 and download.text == csv_text
        assert download.headers["content-disposition"] == f'attachment; filename="invoice-{main}-{month}.csv"'
        view = user.get(f"/payments/invoices/{month}")
        assert view.status_code == 200 and view.text == printable
        policy = view.headers["content-security-policy"]
        assert "style-src 'sha256-" in policy and "script-src" not in policy and "unsafe-inline" not in policy
        assert user.get(f"/payments/invoices/{months.now():%Y-%m}").status_code == 400  # the current month is not closed
        assert user.get("/payments/invoices/2024-13/csv").status_code == 400
        assert user.get("/payments/invoices/1999-01").status_code == 404
    finally:
        user.close()
    sub = new_subaccount(billing_server, holder)
    sub_user = signed_in(billing_server, sub["auth_id"], sub["auth_token"])
    try:
        for path in ("/payments/invoices", f"/payments/invoices/{month}", f"/payments/invoices/{month}/csv"):
            refused = sub_user.get(path)
            assert refused.status_code == 403 and "0.50000" not in refused.text, path
    finally:
        sub_user.close()
    anonymous = ConsoleUser(billing_server)
    try:
        assert anonymous.get(f"/payments/invoices/{month}/csv").status_code == 303
    finally:
        anonymous.close()


def history_rows(page: str) -> list[tuple[str, str]]:
    """(kind, amount) of each row of the History table."""
    return re.findall(r'<tr class="(credit|charge)">.*?<td class="n">([-0-9.]+)</td>', page, re.DOTALL)


def test_history_pages_credits_and_charges_newest_first(server: LiveServer, account: MainAccount) -> None:
    books, main = Books(server), account.auth_id
    for amount in range(1, 23):
        books.credit(main, str(amount))
    sub = new_subaccount(server, account)
    now = datetime.now(UTC)
    write_rows(server, [charge_row(main, None, "call", f"h-main-{main}", Decimal("0.10000"), now),
                        charge_row(main, sub["auth_id"], "message", f"h-sub-{main}", Decimal("0.00650"), now)])
    user = signed_in(server, account.auth_id, account.auth_token)
    try:
        page = user.get("/payments/history")
        assert page.status_code == 200
        rows = history_rows(page.text)
        assert len(rows) == 20 and {kind for kind, _ in rows} == {"credit", "charge"}
        assert "1–20 of 24" in page.text
        credits = user.get("/payments/history", params={"kind": "credit"})
        assert [amount for _, amount in history_rows(credits.text)] == [f"{n}.00000" for n in range(22, 2, -1)]
        assert 'href="/payments/history?kind=credit&amp;limit=20&amp;offset=20">Next page' in credits.text
        rest = user.get("/payments/history", params={"kind": "credit", "offset": 20})
        assert [amount for _, amount in history_rows(rest.text)] == ["2.00000", "1.00000"]
        charges = user.get("/payments/history", params={"kind": "charge"})
        assert sorted(amount for _, amount in history_rows(charges.text)) == ["-0.00650", "-0.10000"]
        assert user.get("/payments/history", params={"kind": "refund"}).status_code == 400
        assert user.get("/payments/history", params={"limit": 500}).status_code == 400
    finally:
        user.close()
    sub_user = signed_in(server, sub["auth_id"], sub["auth_token"])
    try:
        page = sub_user.get("/payments/history")
        assert history_rows(page.text) == [("charge", "-0.00650")]
        assert f"h-main-{main}" not in page.text
    finally:
        sub_user.close()


def test_recurring_charges_list_rented_numbers_and_the_monthly_total(server: LiveServer, account: MainAccount) -> None:
    numbers = [buy_number(server, account), buy_number(server, account)]
    sub = new_subaccount(server, account)
    with server.http(account) as api:
        moved = api.post(f"/v1/Account/{account.auth_id}/Number/{numbers[1]}/", json={"subaccount": sub["auth_id"]})
        assert moved.status_code == 202, moved.text
        objects = [api.get(f"/v1/Account/{account.auth_id}/Number/{number}/").json() for number in numbers]
    user = signed_in(server, account.auth_id, account.auth_token)
    try:
        page = user.get("/payments/recurring")
        assert page.status_code == 200
        assert Decimal(shown(page.text, "per-month")) == sum(Decimal(o["monthly_rental_rate"]) for o in objects) > 0
        for item in objects:
            assert f"+{item['number']}" in page.text and item["renewal_date"] in page.text
    finally:
        user.close()
    sub_user = signed_in(server, sub["auth_id"], sub["auth_token"])
    try:
        page = sub_user.get("/payments/recurring")
        assert Decimal(shown(page.text, "per-month")) == Decimal(objects[1]["monthly_rental_rate"])
        assert f"+{numbers[0]}" not in page.text and f"+{numbers[1]}" in page.text
    finally:
        sub_user.close()


def test_the_pages_ask_for_a_session_first(anonymous: ConsoleUser) -> None:
    for path in ("/payments/usage", "/payments/invoices", "/payments/invoices/2024-01", "/payments/invoices/2024-01/csv",
                 "/payments/history", "/payments/recurring", "/voice/calls", "/voice/calls/live", "/voice/calls/x",
                 "/messaging/send", "/messaging/send/status", "/messaging/settings"):
        response = anonymous.get(path)
        assert (response.status_code, response.headers.get("location")) == (303, "/login"), path
