"""Billing tests: helpers that act on a live server's database through its own event loop, and a
server on the virtual clock whose months tests move through."""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from switchboard.billing import service
from switchboard.billing.models import LedgerEntry
from switchboard.billing.payments import Payment, PaymentFailed
from tests.conftest import _new_database, running_server
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


# --- a server on the virtual clock, for months ---------------------------------------------------


class StandInCardProvider:
    """A card processor stand-in (Switchboard ships none): takes every payment unless told to
    decline, once per key as the protocol asks."""

    def __init__(self, settings: Any = None):
        self.payments: dict[str, Payment] = {}
        self.decline: str | None = None

    async def charge(self, account_id: str, amount: Decimal, key: str) -> Payment:
        if self.decline:
            raise PaymentFailed(self.decline)
        return self.payments.setdefault(key, Payment(f"test-{len(self.payments) + 1}", amount))


@pytest.fixture(scope="session")
def billing_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server on the virtual clock whose billing upkeep ticks every 0.2 s, with a test card provider."""
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    with (
        _new_database(kind, tmp_path_factory.mktemp(f"billing-{kind}")) as url,
        running_server(url, tmp_path_factory.mktemp("billing-data"), clock="virtual", billing_upkeep_seconds=0.2,
                       payment_provider="tests.billing.conftest:StandInCardProvider") as live,
    ):
        yield live


@pytest.fixture
def holder(billing_server: LiveServer) -> MainAccount:
    return billing_server.new_main_account()


class Months:
    """The virtual clock and the billing upkeep of :func:`billing_server`."""

    def __init__(self, server: LiveServer):
        self.server = server

    def now(self) -> datetime:
        async def run(app: Any) -> datetime:
            return app.state.clock.now()

        return self.server.call(run)

    def advance_to(self, when: datetime) -> None:
        async def run(app: Any) -> None:
            seconds = (when - app.state.clock.now()).total_seconds()
            assert seconds >= 0, f"the clock is already past {when}"
            app.state.clock.advance(seconds)

        self.server.call(run)

    def renew(self) -> tuple[int, int, int]:
        """One pass of the billing upkeep, as its periodic task runs it: (rental periods,
        recording-months, recharges)."""
        async def run(app: Any) -> tuple[int, int, int]:
            return await app.state.billing.run_once()

        return self.server.call(run)

    def next_month(self, day: int = 1, hour: int = 12, months: int = 1) -> datetime:
        """``day`` of the month ``months`` after the current one, at ``hour`` UTC."""
        now = self.now()
        index = now.month - 1 + months
        return datetime(now.year + index // 12, index % 12 + 1, day, hour, tzinfo=UTC)

    def provider(self) -> StandInCardProvider:
        return self.server.app.state.payment_provider


@pytest.fixture
def months(billing_server: LiveServer) -> Months:
    return Months(billing_server)


def buy_number(server: LiveServer, account: MainAccount, country: str = "US", kind: str = "local") -> str:
    with server.http(account) as http:
        found = http.get(f"/v1/Account/{account.auth_id}/PhoneNumber/",
                         params={"country_iso": country, "type": kind, "limit": 1}).json()
        number = found["objects"][0]["number"]
        bought = http.post(f"/v1/Account/{account.auth_id}/PhoneNumber/{number}/", json={})
    assert bought.status_code == 201, bought.text
    return number


def write_rows(server: LiveServer, rows: list[dict[str, Any]]) -> None:
    """Ledger rows written as the areas write them (each skipped if its key is there)."""
    async def run(app: Any) -> None:
        async with app.state.db.engine.begin() as connection:
            await connection.execute(service.ledger_insert(app.state.db.backend), rows)

    server.call(run)
