"""``POST Coupon/`` (a Switchboard extension): a coupon credits one account, once."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx

from switchboard.billing.service import format_code
from tests.billing.conftest import Books, account_object
from tests.helpers import LiveServer, MainAccount


def _redeem(server: LiveServer, account: MainAccount, code: str, auth_id: str | None = None) -> httpx.Response:
    with server.http(account) as http:
        return http.post(f"/v1/Account/{auth_id or account.auth_id}/Coupon/", json={"coupon_code": code})


def test_a_coupon_credits_the_account(server: LiveServer, account: MainAccount, books: Books) -> None:
    code = books.coupon("50")
    response = _redeem(server, account, format_code(code).lower())  # as printed, typed in lower case
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"api_id", "message", "amount", "cash_credits"}
    assert (body["amount"], body["cash_credits"]) == ("50.00000", "50.00000")
    assert account_object(server, account)["cash_credits"] == "50.00000"
    assert [(row.kind, row.resource_type, row.resource_id) for row in books.rows(account.auth_id)] == [
        ("credit", "coupon", code)]


def test_a_coupon_is_redeemed_once(server: LiveServer, account: MainAccount, books: Books) -> None:
    code = books.coupon("50")
    other = server.new_main_account()
    assert _redeem(server, account, code).status_code == 202
    for who in (account, other):
        again = _redeem(server, who, code)
        assert again.status_code == 400
        assert set(again.json()) == {"api_id", "error"}
        assert "already been redeemed" in again.json()["error"]
    assert books.balance(account.auth_id) == Decimal("50")
    assert books.balance(other.auth_id) == Decimal("0")


def test_two_redemptions_at_once_credit_once(server: LiveServer, account: MainAccount, books: Books) -> None:
    for _ in range(3):
        code = books.coupon("7.5")
        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(lambda _: _redeem(server, account, code), range(4)))
        assert sorted(r.status_code for r in responses) == [202, 400, 400, 400], [r.text for r in responses]
    assert books.balance(account.auth_id) == Decimal("22.5")
    assert len(books.rows(account.auth_id)) == 3


def test_bad_redemptions(server: LiveServer, account: MainAccount, books: Books) -> None:
    unknown = _redeem(server, account, "NOPE-NOPE-NOPE-NOPE")
    assert unknown.status_code == 400 and "no such coupon" in unknown.json()["error"]
    with server.http(account) as http:
        missing = http.post(f"/v1/Account/{account.auth_id}/Coupon/", json={})
        assert missing.status_code == 400 and missing.json()["error"].startswith("coupon_code")
        too_long = http.post(f"/v1/Account/{account.auth_id}/Coupon/", data={"coupon_code": "X" * 65})
        assert too_long.status_code == 400
        sub = http.post(f"/v1/Account/{account.auth_id}/Subaccount/", json={"name": "s"}).json()["auth_id"]
    code = books.coupon("5")
    as_sub = _redeem(server, account, code, sub)
    assert as_sub.status_code == 403 and account.auth_id in as_sub.json()["error"]
    with httpx.Client(base_url=server.base_url) as anonymous:
        assert anonymous.post(f"/v1/Account/{account.auth_id}/Coupon/", json={"coupon_code": code}).status_code == 401
    assert books.balance(account.auth_id) == Decimal("0")
    assert _redeem(server, account, code).status_code == 202  # none of the refusals used it up
