"""The ledger: the balance is its sum, a resource is charged once, amounts are checked."""

import asyncio
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy.exc

from switchboard.billing import service
from switchboard.billing.service import charge_row, ledger_insert
from switchboard.core.errors import NotFoundError, ValidationError
from tests.billing.conftest import Books, account_object
from tests.helpers import LiveServer, MainAccount, assert_plivo_shape


def _charge(server: LiveServer, rows: list[dict[str, Any]], *, concurrently: bool = False) -> None:
    """Write each row in its own transaction (all at once with ``concurrently``), as retries or
    two nodes would."""
    async def run(app: Any) -> None:
        async def write(row: dict[str, Any]) -> None:
            async with app.state.db.engine.begin() as connection:
                await connection.execute(ledger_insert(app.state.db.backend), [row])

        if concurrently:
            await asyncio.gather(*(write(row) for row in rows))
        else:
            for row in rows:
                await write(row)

    server.call(run)


def _now(server: LiveServer) -> Any:
    async def run(app: Any) -> Any:
        return app.state.clock.now()

    return server.call(run)


def test_a_new_account_is_postpaid_with_nothing_on_its_ledger(server: LiveServer, account: MainAccount) -> None:
    body = account_object(server, account)
    assert (body["billing_mode"], body["cash_credits"]) == ("postpaid", "0.00000")
    assert_plivo_shape(body, "accountGetResponse")


def test_the_balance_is_the_sum_of_credits_and_charges(server: LiveServer, account: MainAccount, books: Books) -> None:
    assert books.credit(account.auth_id, "25") == Decimal("25.00000")
    assert books.credit(account.auth_id, "0.00001") == Decimal("25.00001")
    _charge(server, [charge_row(account.auth_id, None, "call", "c-1", Decimal("1.23456"), _now(server))])
    rows = books.rows(account.auth_id)
    assert [(row.kind, row.resource_type, row.amount) for row in rows] == [
        ("credit", "recharge", Decimal("25.00000")), ("credit", "recharge", Decimal("0.00001")),
        ("charge", "call", Decimal("-1.23456"))]
    assert rows[2].idempotency_key == "call:c-1"
    assert sum(row.amount for row in rows) == books.balance(account.auth_id) == Decimal("23.76545")
    assert account_object(server, account)["cash_credits"] == "23.76545"


def test_many_small_charges_sum_exactly(server: LiveServer, account: MainAccount, books: Books) -> None:
    """Amounts are whole units of 0.00001 in the database: 1000 charges of 0.00650 are 6.5 exactly."""
    now = _now(server)
    _charge(server, [charge_row(account.auth_id, None, "message", f"m-{i}", Decimal("0.00650"), now) for i in range(1000)])
    assert books.balance(account.auth_id) == Decimal("-6.50000")
    assert account_object(server, account)["cash_credits"] == "-6.50000"


def test_a_resource_is_charged_once_however_often_it_is_tried(server: LiveServer, account: MainAccount, books: Books) -> None:
    row = charge_row(account.auth_id, None, "call", "twice", Decimal("0.01200"), _now(server))
    _charge(server, [row, row])
    _charge(server, [row] * 4, concurrently=True)
    assert [(r.resource_id, r.amount) for r in books.rows(account.auth_id)] == [("twice", Decimal("-0.01200"))]


def test_subaccount_usage_is_charged_to_the_main_account_and_kept_after_the_subaccount(
        server: LiveServer, account: MainAccount, books: Books) -> None:
    with server.http(account) as http:
        sub = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "branch"}).json()["auth_id"]
        books.credit(account.auth_id, "10")
        _charge(server, [charge_row(account.auth_id, sub, "call", "by-sub", Decimal("2"), _now(server))])
        as_sub = account_object(server, account, sub)
        assert (as_sub["auth_id"], as_sub["billing_mode"], as_sub["cash_credits"]) == (sub, "postpaid", "8.00000")
        assert http.delete(f"/v1/Account/{account.auth_id}/Subaccount/{sub}/").status_code == 204
    assert [(row.sub_account_id, row.amount) for row in books.rows(account.auth_id)][-1] == (sub, Decimal("-2.00000"))
    assert books.balance(account.auth_id) == Decimal("8")


def test_a_charge_cannot_add_money(server: LiveServer, account: MainAccount) -> None:
    row = charge_row(account.auth_id, None, "call", "negative", Decimal("-1"), _now(server))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        _charge(server, [row])


@pytest.mark.parametrize(("value", "problem"), [
    ("-5", "more than 0"), ("0", "more than 0"), ("abc", "not a number"), ("", "not a number"), ("NaN", "not a number"),
    ("Infinity", "not a number"), ("1.000001", "at most 5 decimals"), ("1e12", "less than"),
])
def test_bad_amounts_are_refused(value: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        service.parse_amount(value)
    assert problem in refused.value.message


def test_credit_needs_an_existing_main_account(server: LiveServer, account: MainAccount, books: Books) -> None:
    with pytest.raises(NotFoundError):
        books.credit("MA" + "Z" * 18, "5")
    with server.http(account) as http:
        sub = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "s"}).json()["auth_id"]
    with pytest.raises(ValidationError) as refused:
        books.credit(sub, "5")
    assert account.auth_id in refused.value.message
    with pytest.raises(ValidationError):
        books.credit(account.auth_id, "-25")
    assert books.rows(account.auth_id) == []
