"""Billing tests: helpers that act on a live server's database through its own event loop."""

from decimal import Decimal
from typing import Any

import pytest

from switchboard.billing import service
from switchboard.billing.models import LedgerEntry
from tests.helpers import LiveServer, MainAccount


class Books:
    """The billing side of one server: credit, coupons, ledger rows."""

    def __init__(self, server: LiveServer):
        self.server = server

    def credit(self, auth_id: str, amount: str) -> Decimal:
        async def run(app: Any) -> Decimal:
            async with app.state.db.session() as session:
                return await service.add_credit(session, app.state.clock, auth_id, Decimal(amount))

        return self.server.call(run)

    def coupon(self, amount: str) -> str:
        async def run(app: Any) -> str:
            async with app.state.db.session() as session:
                return (await service.create_coupon(session, app.state.clock, Decimal(amount))).code

        return self.server.call(run)

    def balance(self, auth_id: str) -> Decimal:
        async def run(app: Any) -> Decimal:
            async with app.state.db.session() as session:
                return await service.balance(session, auth_id)

        return self.server.call(run)

    def rows(self, auth_id: str) -> list[LedgerEntry]:
        async def run(app: Any) -> list[LedgerEntry]:
            from sqlalchemy import select

            async with app.state.db.session() as session:
                found = await session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == auth_id)
                                              .order_by(LedgerEntry.entry_id))
                return list(found)

        return self.server.call(run)


@pytest.fixture
def books(server: LiveServer) -> Books:
    return Books(server)


def account_object(server: LiveServer, account: MainAccount, auth_id: str | None = None) -> dict[str, Any]:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{auth_id or account.auth_id}/")
    assert response.status_code == 200, response.text
    return response.json()
