"""Payments > Recharge: the balance, and a coupon redeemed once through the same service as the
API's ``POST Coupon/``; errors beside the field; CSRF; a subaccount cannot redeem."""

import html
import re
from decimal import Decimal

from tests.billing.conftest import Books, account_object
from tests.console.helpers import ConsoleUser, field_error
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
