"""The migrations build the schema the models describe, and the lookup-index migration keeps rows."""

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard.core.db import Database, alembic_config
from switchboard.models import Base


async def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = create_async_engine(url)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    await engine.dispose()


async def test_migrated_schema_matches_the_models(empty_database: str) -> None:
    database = Database(empty_database)
    await database.migrate()
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await database.dispose()
    assert differences == []


async def test_lookup_indexes_migration_keeps_segments_and_can_be_undone(empty_database: str) -> None:
    await _migrate(empty_database, "recording_lease")
    engine = create_async_engine(empty_database)
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO carrier_segments (connector, carrier_id, message_id, total, state, error_code, created) "
                                      "VALUES ('smsc', '1f', '1f', 2, 'delivered', NULL, :now), ('smsc', '20', '1f', 2, NULL, NULL, :now), "
                                      "('other', '1f', NULL, 1, 'undelivered', 34, :now)"), {"now": datetime.now(UTC)})
    await engine.dispose()

    async def state() -> tuple[list[str], list[tuple]]:
        engine = create_async_engine(empty_database)
        async with engine.connect() as connection:
            key = await connection.run_sync(lambda sync: inspect(sync).get_pk_constraint("carrier_segments")["constrained_columns"])
            rows = (await connection.execute(text("SELECT connector, carrier_id, message_id, total, state, error_code "
                                                  "FROM carrier_segments ORDER BY connector, carrier_id"))).all()
        await engine.dispose()
        return key, [tuple(row) for row in rows]

    before = [("other", "1f", None, 1, "undelivered", 34), ("smsc", "1f", "1f", 2, "delivered", None), ("smsc", "20", "1f", 2, None, None)]
    await _migrate(empty_database, "lookup_indexes")
    assert await state() == (["carrier_id", "connector"], before)
    await _migrate(empty_database, "recording_lease", down=True)
    assert await state() == (["connector", "carrier_id"], before)


@pytest.mark.parametrize(("query", "index", "columns"), [
    ("SELECT * FROM carrier_segments WHERE connector = $1 AND carrier_id IN ($2, $3)", "carrier_segments_pkey", ("carrier_id", "connector")),
    ("SELECT * FROM carrier_segments WHERE connector = $1 AND message_id IN ($2, $3)", "ix_carrier_segments_message_id_connector",
     ("message_id", "connector")),
    ("SELECT * FROM messages WHERE connector = $1 AND carrier_message_id IN ($2, $3)", "ix_messages_carrier_message_id_connector",
     ("carrier_message_id", "connector")),
    ("SELECT * FROM messages WHERE dispatch_at <= $3::timestamptz AND message_direction = $1 AND $2 = $2 ORDER BY dispatch_at LIMIT 500 "
     "FOR UPDATE SKIP LOCKED", "ix_messages_due", ("dispatch_at", "message_direction")),
    ("SELECT * FROM webhook_notifications WHERE next_attempt_at <= $3::timestamptz AND lease_owner IS NULL AND host NOT IN ($1, $2) "
     "ORDER BY next_attempt_at LIMIT 1000 FOR UPDATE SKIP LOCKED", "ix_webhook_notifications_unleased", ("next_attempt_at",)),
])
async def test_a_generic_plan_made_on_an_empty_table_looks_rows_up_in_an_index(
        empty_database: str, query: str, index: str, columns: tuple[str, ...]) -> None:
    """asyncpg prepares every statement, and PostgreSQL may keep one generic plan for it: made
    while the table is empty, it must still look rows up by all their columns in an index, or
    each lookup reads every row of the connector, or of the table, as the table grows."""
    if not empty_database.startswith("postgresql"):
        pytest.skip("generic plans are PostgreSQL's")
    database = Database(empty_database)
    await database.migrate()
    async with database.engine.connect() as connection:
        await connection.execute(text("SET plan_cache_mode = force_generic_plan"))
        await connection.execute(text(f"PREPARE lookup(varchar, varchar, varchar) AS {query}"))
        plan = "\n".join((await connection.execute(text("EXPLAIN EXECUTE lookup('smsc', 'a', '2026-11-23')"))).scalars())
    await database.dispose()
    condition = next((line for line in plan.splitlines() if "Index Cond" in line), "")
    assert f"using {index} " in plan and all(column in condition for column in columns), plan
