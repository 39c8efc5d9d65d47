"""Auto-recharge: settings stored and shown as Plivo's account object shows them (a bool), and
recharges through the payment-provider interface when the balance drops below the threshold."""

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from switchboard.billing.payments import PaymentProvider, load_provider
from tests.billing.conftest import Books, Months, StandInCardProvider, account_object, buy_number
from tests.helpers import LiveServer, MainAccount, assert_plivo_shape


def settings(server: LiveServer, account: MainAccount, **changes: Any) -> Any:
    with server.http(account) as http:
        path = f"/v1/Account/{account.auth_id}/AutoRecharge/"
        return http.post(path, json=changes) if changes else http.get(path)


def test_settings_are_stored_and_the_account_object_shows_them(billing_server: LiveServer, holder: MainAccount) -> None:
    assert account_object(billing_server, holder)["auto_recharge"] is False
    shown = settings(billing_server, holder).json()
    assert (shown["auto_recharge"], shown["threshold"], shown["amount"], shown["payment_provider"]) == (
        False, "25.00000", "25.00000", True)
    changed = settings(billing_server, holder, auto_recharge=True, threshold="30", amount="100")
    assert changed.status_code == 202, changed.text
    assert (changed.json()["auto_recharge"], changed.json()["threshold"], changed.json()["amount"]) == (True, "30.00000", "100.00000")
    body = account_object(billing_server, holder)
    assert body["auto_recharge"] is True
    assert_plivo_shape(body, "accountGetResponse")
    assert settings(billing_server, holder, auto_recharge="false").json()["auto_recharge"] is False
    assert account_object(billing_server, holder)["auto_recharge"] is False


def test_a_balance_below_the_threshold_is_recharged_once(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    settings(billing_server, holder, auto_recharge=True, threshold="25", amount="50")
    buy_number(billing_server, holder)  # -0.80: below 25

    async def two_nodes(app: Any) -> None:
        await asyncio.gather(app.state.billing.run_once(), app.state.billing.run_once())

    billing_server.call(two_nodes)
    months.renew()
    credits = [(row.resource_type, row.amount) for row in books.rows(holder.auth_id) if row.kind == "credit"]
    assert credits == [("auto_recharge", Decimal("50.00000"))]
    assert books.balance(holder.auth_id) == Decimal("49.20000")
    assert settings(billing_server, holder).json()["last_failure"] is None


def test_a_refused_payment_is_recorded_and_tried_again(billing_server: LiveServer, holder: MainAccount, months: Months) -> None:
    books = Books(billing_server)
    provider = months.provider()
    settings(billing_server, holder, auto_recharge=True, threshold="10", amount="25")
    provider.decline = "card declined"
    try:
        buy_number(billing_server, holder)
        months.renew()
        assert [row for row in books.rows(holder.auth_id) if row.kind == "credit"] == []
        assert settings(billing_server, holder).json()["last_failure"] == "card declined"
    finally:
        provider.decline = None
    months.renew()
    assert books.balance(holder.auth_id) == Decimal("24.20000")
    assert settings(billing_server, holder).json()["last_failure"] is None


@pytest.mark.parametrize(("changes", "status", "problem"), [
    ({"amount": "30"}, 400, "amount: one of 25, 50, 100"),
    ({"amount": "-25"}, 400, "more than 0"),
    ({"threshold": "abc"}, 400, "threshold"),
    ({"auto_recharge": "maybe"}, 400, "auto_recharge"),
])
def test_bad_settings_are_refused(billing_server: LiveServer, holder: MainAccount, changes: dict[str, str], status: int,
                                  problem: str) -> None:
    response = settings(billing_server, holder, **changes)
    assert response.status_code == status and set(response.json()) == {"api_id", "error"}
    assert problem in response.json()["error"], response.text
    assert settings(billing_server, holder).json()["auto_recharge"] is False


def test_a_subaccount_cannot_change_them(billing_server: LiveServer, holder: MainAccount) -> None:
    with billing_server.http(holder) as http:
        created = http.post(f"/v1/Account/{holder.auth_id}/Subaccount/", json={"name": "s", "enabled": True}).json()
    sub = MainAccount(created["auth_id"], created["auth_token"])
    refused = settings(billing_server, sub, auto_recharge=True)
    assert refused.status_code == 403 and set(refused.json()) == {"api_id", "error"}


def test_without_a_provider_nothing_is_charged(server: LiveServer, account: MainAccount) -> None:
    """The shared server has no payment provider: the setting is kept, each attempt says why it failed."""
    assert settings(server, account).json()["payment_provider"] is False
    settings(server, account, auto_recharge=True)

    async def upkeep(app: Any) -> None:
        await app.state.billing.run_once()

    server.call(upkeep)
    assert Books(server).rows(account.auth_id) == []
    assert settings(server, account).json()["last_failure"] == "no payment provider is configured"


def test_a_provider_is_loaded_from_a_module_and_factory() -> None:
    assert load_provider(None, None) is None
    provider = load_provider("tests.billing.conftest:StandInCardProvider", None)
    assert isinstance(provider, StandInCardProvider) and isinstance(provider, PaymentProvider)
    with pytest.raises(ValueError):
        load_provider("tests.billing.conftest", None)
    with pytest.raises(ValueError):
        load_provider("tests.billing.conftest:Books", None)
