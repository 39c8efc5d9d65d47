"""0011_billing: an existing balance becomes the opening credit, accounts become postpaid, and
no account's resources are touched (the column is dropped in place, not by copying the table)."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.core.test_migrations import _migrate


async def _run(url: str, statement: str, **params: object) -> list[tuple]:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        result = await connection.execute(text(statement), params)
        rows = [tuple(row) for row in result.all()] if result.returns_rows else []
    await engine.dispose()
    return rows


async def _columns(url: str, table: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns(table)})
    await engine.dispose()
    return names


async def test_an_existing_balance_becomes_the_opening_credit_and_comes_back_on_downgrade(empty_database: str) -> None:
    await _migrate(empty_database, "0010_call_record_fields")
    now = datetime.now(UTC)
    for auth_id, credits in (("MA" + "A" * 18, "4.88860"), ("MA" + "B" * 18, "0")):
        await _run(empty_database, "INSERT INTO accounts (auth_id, auth_token, name, enabled, account_type, billing_mode, "
                   "cash_credits, auto_recharge, address, city, state, timezone, created) VALUES (:a, 'token1234', 'n', true, "
                   f"'standard', 'prepaid', {credits}, false, '', '', '', 'UTC', :now)", a=auth_id, now=now)
    await _run(empty_database, "INSERT INTO applications (app_id, account_id, app_name, answer_url, answer_method, hangup_url, "
               "hangup_method, fallback_answer_url, fallback_method, message_url, message_method, default_number_app, "
               "default_endpoint_app, enabled, public_uri, log_incoming_messages, created) VALUES ('1', :a, 'app', '', 'POST', "
               "'', 'POST', '', 'POST', '', 'POST', false, false, true, false, true, :now)", a="MA" + "A" * 18, now=now)
    await _migrate(empty_database, "0011_billing")
    assert "cash_credits" not in await _columns(empty_database, "accounts")
    assert await _run(empty_database, "SELECT account_id, kind, amount, idempotency_key FROM billing_ledger") == [
        ("MA" + "A" * 18, "credit", 488860, "opening:MA" + "A" * 18)]
    assert await _run(empty_database, "SELECT DISTINCT billing_mode FROM accounts") == [("postpaid",)]
    assert await _run(empty_database, "SELECT app_id FROM applications") == [("1",)]
    await _migrate(empty_database, "0010_call_record_fields", down=True)
    restored = await _run(empty_database, "SELECT auth_id, cash_credits FROM accounts ORDER BY auth_id")
    assert [(auth_id, Decimal(str(value)).quantize(Decimal("0.00001"))) for auth_id, value in restored] == [
        ("MA" + "A" * 18, Decimal("4.88860")), ("MA" + "B" * 18, Decimal("0.00000"))]


async def test_0012_adds_usage_details_and_auto_recharge_and_keeps_rows_on_downgrade(empty_database: str) -> None:
    await _migrate(empty_database, "0011_billing")
    now = datetime.now(UTC)
    await _run(empty_database, "INSERT INTO accounts (auth_id, auth_token, name, enabled, account_type, billing_mode, "
               "auto_recharge, address, city, state, timezone, created) VALUES (:a, 'token1234', 'n', true, 'standard', "
               "'postpaid', false, '', '', '', 'UTC', :now)", a="MA" + "C" * 18, now=now)
    await _run(empty_database, "INSERT INTO billing_ledger (account_id, kind, resource_type, resource_id, amount, created, "
               "idempotency_key) VALUES (:a, 'charge', 'call', 'c1', -1200, :now, 'call:c1')", a="MA" + "C" * 18, now=now)
    await _migrate(empty_database, "0012_rentals")
    assert {"country_iso", "direction", "quantity"} <= await _columns(empty_database, "billing_ledger")
    assert await _columns(empty_database, "billing_auto_recharge") == {"account_id", "threshold", "amount", "updated",
                                                                       "last_failure"}
    assert await _run(empty_database, "SELECT resource_id, amount, country_iso FROM billing_ledger") == [("c1", -1200, None)]
    await _migrate(empty_database, "0011_billing", down=True)
    assert "quantity" not in await _columns(empty_database, "billing_ledger")
    assert await _run(empty_database, "SELECT resource_id, amount FROM billing_ledger") == [("c1", -1200)]
