"""Number rentals: charged when rented and on each renewal date (monthly from the rental day),
once per number and period, to the main account; a released number keeps its month charged."""

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from switchboard.accounts.service import create_main_account
from switchboard.billing import rentals as rentals_module
from switchboard.billing.rentals import add_months, next_renewal, rent_rows
from switchboard.numbers.models import RentedNumber
from tests.billing.conftest import Books, Months, buy_number
from tests.helpers import LiveServer, MainAccount

RENT = Decimal("0.80000")  # a US local number in the shipped rate table


def number_object(server: LiveServer, account: MainAccount, number: str) -> dict[str, Any]:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/Number/{number}/")
    assert response.status_code == 200, response.text
    return response.json()


def rentals(books: Books, auth_id: str) -> list[tuple[str, str, Decimal, str | None]]:
    return [(row.resource_type, row.resource_id, row.amount, row.sub_account_id)
            for row in books.rows(auth_id) if row.resource_type == "rental"]


def prepaid_account(server: LiveServer, credit: str) -> MainAccount:
    async def create(app: Any) -> MainAccount:
        async with app.state.db.session() as session:
            account = await create_main_account(session, app.state.clock, name="Prepaid", billing_mode="prepaid")
        return MainAccount(account.auth_id, account.auth_token)

    account = server.call(create)
    Books(server).credit(account.auth_id, credit)
    return account


def renewal_instant(server: LiveServer, account: MainAccount, number: str, hours: float = 0.5) -> datetime:
    renewal = date.fromisoformat(number_object(server, account, number)["renewal_date"])
    return datetime(renewal.year, renewal.month, renewal.day, tzinfo=UTC) + timedelta(hours=hours)


def test_renewals_count_from_the_rental_day() -> None:
    rented = date(2024, 1, 31)
    assert [add_months(rented, n) for n in range(4)] == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31),
                                                         date(2024, 4, 30)]
    assert next_renewal(rented, date(2024, 2, 29)) == date(2024, 3, 31)  # not 29 March: the rental day counts
    assert next_renewal(rented, date(2024, 3, 31)) == date(2024, 4, 30)
    assert next_renewal(date(2023, 12, 15), date(2024, 1, 15)) == date(2024, 2, 15)


def test_a_setup_fee_is_charged_with_the_first_month() -> None:
    when = datetime(2024, 5, 3, 10, tzinfo=UTC)
    number = RentedNumber(number="442071234567", account_id="MA" + "A" * 18, sub_account_id=None, country_iso="GB",
                          monthly_rental_rate=Decimal("0.80000"), added_on=when)
    rows = rent_rows(number, Decimal("2.50000"), when)
    assert [(row["resource_type"], row["amount"], row["idempotency_key"]) for row in rows] == [
        ("rental", Decimal("-0.80000"), f"rental:{'MA' + 'A' * 18}:442071234567:2024-05-03"),
        ("setup", Decimal("-2.50000"), f"setup:{'MA' + 'A' * 18}:442071234567:2024-05-03")]
    assert len(rent_rows(number, Decimal(0), when)) == 1


def test_renting_a_number_charges_its_first_month(billing_server: LiveServer, holder: MainAccount) -> None:
    books = Books(billing_server)
    today = Months(billing_server).now().date()
    number = buy_number(billing_server, holder)
    shown = number_object(billing_server, holder, number)
    assert (shown["monthly_rental_rate"], shown["renewal_date"]) == ("0.80000", add_months(today, 1).isoformat())
    [row] = books.rows(holder.auth_id)
    assert (row.kind, row.resource_type, row.resource_id, row.amount) == ("charge", "rental", f"{number}:{today}", -RENT)
    assert (row.idempotency_key, row.country_iso, row.quantity) == (f"rental:{holder.auth_id}:{number}:{today}", "US", 1)
    assert books.balance(holder.auth_id) == -RENT


def test_a_number_renews_on_its_renewal_date_once_and_the_date_moves_on(
        billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    number = buy_number(billing_server, holder)
    rented = date.fromisoformat(number_object(billing_server, holder, number)["added_on"])
    due = renewal_instant(billing_server, holder, number)
    months.advance_to(due - timedelta(hours=1))  # the day before, in UTC (the account's timezone)
    months.renew()
    assert len(rentals(books, holder.auth_id)) == 1
    months.advance_to(due)

    async def two_nodes(app: Any) -> None:  # two passes at once, as two nodes would run them
        await asyncio.gather(app.state.billing.run_once(), app.state.billing.run_once())

    billing_server.call(two_nodes)
    months.renew()
    first_renewal = add_months(rented, 1)
    assert rentals(books, holder.auth_id) == [("rental", f"{number}:{rented}", -RENT, None),
                                              ("rental", f"{number}:{first_renewal}", -RENT, None)]
    assert number_object(billing_server, holder, number)["renewal_date"] == add_months(rented, 2).isoformat()
    assert books.balance(holder.auth_id) == -2 * RENT


def test_the_server_renews_by_itself(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    number = buy_number(billing_server, holder)
    months.advance_to(renewal_instant(billing_server, holder, number))
    deadline = time.monotonic() + 15
    while len(rentals(books, holder.auth_id)) < 2:  # the upkeep task ticks every 0.2 s on this server
        assert time.monotonic() < deadline, "the billing upkeep did not renew the number"
        time.sleep(0.05)
    assert len(rentals(books, holder.auth_id)) == 2


def test_months_the_server_missed_are_each_charged(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    number = buy_number(billing_server, holder)
    rented = date.fromisoformat(number_object(billing_server, holder, number)["added_on"])
    months.advance_to(renewal_instant(billing_server, holder, number) + timedelta(days=70))
    months.renew()
    assert [resource_id for _, resource_id, _, _ in rentals(books, holder.auth_id)] == [
        f"{number}:{add_months(rented, n)}" for n in range(4) if add_months(rented, n) <= months.now().date()]
    assert len(rentals(books, holder.auth_id)) >= 3
    assert date.fromisoformat(number_object(billing_server, holder, number)["renewal_date"]) > months.now().date()


def test_a_number_released_mid_month_keeps_its_month_charged(
        billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    number = buy_number(billing_server, holder)
    due = renewal_instant(billing_server, holder, number)
    months.advance_to(due - timedelta(days=10))
    with billing_server.http(holder) as http:
        assert http.delete(f"/v1/Account/{holder.auth_id}/Number/{number}/").status_code == 204
    months.advance_to(due + timedelta(days=1))
    months.renew()
    assert len(rentals(books, holder.auth_id)) == 1  # no refund, no renewal
    assert books.balance(holder.auth_id) == -RENT


def test_a_prepaid_account_that_cannot_pay_a_renewal_goes_negative_and_keeps_the_number(
        billing_server: LiveServer, months: Months) -> None:
    books = Books(billing_server)
    holder = prepaid_account(billing_server, "1.00")
    number = buy_number(billing_server, holder)
    assert books.balance(holder.auth_id) == Decimal("0.20000")
    months.advance_to(renewal_instant(billing_server, holder, number))
    months.renew()
    assert books.balance(holder.auth_id) == Decimal("-0.60000")
    assert number_object(billing_server, holder, number)["number"] == number


def test_a_prepaid_account_without_the_credit_cannot_rent(billing_server: LiveServer) -> None:
    books = Books(billing_server)
    holder = prepaid_account(billing_server, "0.50")
    with billing_server.http(holder) as http:
        found = http.get(f"/v1/Account/{holder.auth_id}/PhoneNumber/", params={"country_iso": "US", "limit": 1}).json()
        number = found["objects"][0]["number"]
        refused = http.post(f"/v1/Account/{holder.auth_id}/PhoneNumber/{number}/", json={})
        assert refused.status_code == 400, refused.text
        assert set(refused.json()) == {"api_id", "error"} and "insufficient credit" in refused.json()["error"]
        assert http.get(f"/v1/Account/{holder.auth_id}/Number/{number}/").status_code == 404
    assert books.balance(holder.auth_id) == Decimal("0.50000")


def test_a_subaccount_number_is_charged_to_the_main_account(
        billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    number = buy_number(billing_server, holder)
    with billing_server.http(holder) as http:
        sub = http.post(f"/v1/Account/{holder.auth_id}/Subaccount/", json={"name": "branch"}).json()["auth_id"]
        moved = http.post(f"/v1/Account/{holder.auth_id}/Number/{number}/", json={"subaccount": sub})
        assert moved.status_code == 202, moved.text
    months.advance_to(renewal_instant(billing_server, holder, number))
    months.renew()
    assert [row[3] for row in rentals(books, holder.auth_id)] == [None, sub]


def test_the_renewal_date_begins_in_the_account_timezone(
        billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    with billing_server.http(holder) as http:
        assert http.post(f"/v1/Account/{holder.auth_id}/", json={"timezone": "Pacific/Kiritimati"}).status_code == 202
    number = buy_number(billing_server, holder)
    due = renewal_instant(billing_server, holder, number, hours=0)
    months.advance_to(due - timedelta(hours=15))  # 23:00 the day before in UTC+14
    months.renew()
    assert len(rentals(books, holder.auth_id)) == 1
    months.advance_to(due - timedelta(hours=13))  # 01:00 on the renewal date in UTC+14, still the day before in UTC
    months.renew()
    assert len(rentals(books, holder.auth_id)) == 2


def test_a_number_released_while_its_renewal_is_charged_is_not_charged(
        empty_database: str, tmp_path: Path) -> None:
    """The number is released between the renewal pass reading it and charging it: the pass
    charges nothing for it (its first month stays charged)."""
    server = LiveServer(empty_database, data_dir=tmp_path, clock="virtual", billing_upkeep_seconds=3600)
    server.start()
    try:
        holder = server.new_main_account()
        books = Books(server)
        number = buy_number(server, holder)
        rented = date.fromisoformat(number_object(server, holder, number)["added_on"])
        Months(server).advance_to(renewal_instant(server, holder, number))

        async def released_meanwhile(app: Any) -> int:
            read = rentals_module._due

            async def read_then_release(session: Any, now: datetime) -> Any:
                found = await read(session, now)
                async with app.state.db.session() as other:
                    await other.execute(delete(RentedNumber).where(RentedNumber.number == number))
                    await other.commit()
                return found

            rentals_module._due = read_then_release
            try:
                return await rentals_module.renew_due(app.state.db.sessionmaker, app.state.clock)
            finally:
                rentals_module._due = read

        assert server.call(released_meanwhile) == 0
        assert rentals(books, holder.auth_id) == [("rental", f"{number}:{rented}", -RENT, None)]  # the first month only
    finally:
        server.stop()
