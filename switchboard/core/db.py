"""The database: SQLite by default, PostgreSQL in production, through SQLAlchemy 2 (async).

Tables are declared on :class:`Base` in each area's ``models.py``; the schema itself is owned by
the Alembic migrations in ``switchboard/migrations``, which run on every start.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class Base(DeclarativeBase):
    pass


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'switchboard.db').resolve()}"


SQLITE_BUSY_TIMEOUT = 10.0
"""Seconds a SQLite writer waits for another writer's lock before its statement fails."""


def create_engine(url: str, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url)

        def tune(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout * 1000)}")
            cursor.close()

        event.listen(engine.sync_engine, "connect", tune)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


class Database:
    def __init__(self, url: str, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT):
        self.url = url
        self.engine = create_engine(url, sqlite_busy_timeout)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
