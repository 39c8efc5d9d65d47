"""Test harness: every test that uses a server runs once on SQLite and once on PostgreSQL.

PostgreSQL is looked for at ``SWITCHBOARD_TEST_POSTGRES`` (default: the ``test`` database on
127.0.0.1:5432). Each run creates a throw-away database next to it and drops it at the end, so
parallel runs do not meet. Without PostgreSQL the suite says so loudly and runs SQLite only;
with ``CI=true`` a missing PostgreSQL fails the run.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.helpers import LiveServer, MainAccount, RecordingClient, free_port

POSTGRES_URL = os.environ.get("SWITCHBOARD_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
RTP_TIMEOUT = 4.0
BACKENDS = pytest.StashKey[list[str]]()
POSTGRES_PROBLEM = pytest.StashKey[str | None]()


async def _admin(statement: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database, timeout=5
    )
    try:
        if statement:
            await connection.execute(statement)
    finally:
        await connection.close()


def _postgres_problem() -> str | None:
    try:
        asyncio.run(_admin(""))
    except Exception as exc:  # any failure to connect means "not available"
        return f"{type(exc).__name__}: {exc}"
    return None


def pytest_configure(config: pytest.Config) -> None:
    problem = _postgres_problem()
    config.stash[POSTGRES_PROBLEM] = problem
    if problem is not None and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but PostgreSQL at {POSTGRES_URL} is not reachable ({problem})")
    config.stash[BACKENDS] = ["sqlite"] if problem else ["sqlite", "postgresql"]


def _loud_line(config: pytest.Config) -> str | None:
    problem = config.stash.get(POSTGRES_PROBLEM, None)
    if problem is None:
        return None
    return f"!!!!! PostgreSQL NOT AVAILABLE at {POSTGRES_URL} ({problem}): running on SQLite ONLY !!!!!"


def pytest_report_header(config: pytest.Config) -> str:
    return _loud_line(config) or f"database backends: {', '.join(config.stash[BACKENDS])}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    line = _loud_line(config)
    if line:
        terminalreporter.write_line(line, red=True, bold=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", metafunc.config.stash[BACKENDS], indirect=True, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``one_backend`` (on the test, its module or one of its parameters) run on the
    first backend only: they exercise the wire or the media, where no query differs between the
    databases, and the same behaviour runs on both backends elsewhere."""
    first = config.stash[BACKENDS][0]
    keep, drop = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")
        one = item.get_closest_marker("one_backend") is not None
        (drop if one and backend not in (None, first) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@contextmanager
def _new_database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / 'switchboard.db'}"
        return
    name = f"sb_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL for a fresh database of the requested kind, shared by the session's tests."""
    with _new_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture
def empty_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the same kind as ``backend`` that no other test has touched."""
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    with _new_database(kind, tmp_path_factory.mktemp("empty")) as url:
        yield url


@contextmanager
def running_server(database_url: str, data_dir: Path, **settings: object) -> Iterator[LiveServer]:
    """A :class:`LiveServer` started on ``database_url``, stopped on leaving."""
    live = LiveServer(database_url, data_dir=data_dir, **settings)
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real Switchboard HTTP server on a free loopback port, one per backend."""
    with running_server(backend, tmp_path_factory.mktemp("data")) as live:
        yield live


@pytest.fixture(scope="session")
def sip_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with SIP on a loopback port (real clock), one per backend: shared by the SIP tests
    and the behaviour suite's ``sip`` network."""
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    port = free_port()
    with (
        _new_database(kind, tmp_path_factory.mktemp(f"sip-{kind}")) as url,
        running_server(url, tmp_path_factory.mktemp("sip-data"), sip_listen=f"127.0.0.1:{port}",
                       sip_rtp_timeout=RTP_TIMEOUT) as live,
    ):
        live.sip_port = port  # type: ignore[attr-defined]
        yield live


@pytest.fixture
def account(server: LiveServer) -> MainAccount:
    """A fresh main account of its own, so tests never see each other's resources."""
    return server.new_main_account()


@pytest.fixture
def client(server: LiveServer, account: MainAccount) -> RecordingClient:
    """The official plivo SDK, pointed at the server, logged in as ``account``."""
    return RecordingClient(server.base_url, account.auth_id, account.auth_token)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
