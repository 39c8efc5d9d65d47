"""The test harness itself: what `make test` does when PostgreSQL is not there."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_SERVER_TEST = "tests/test_conventions.py::test_get_with_json_content_type_and_no_body"
NOWHERE = "postgresql+asyncpg://postgres@127.0.0.1:9/test"


def run_pytest(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CI"} | {"SWITCHBOARD_TEST_POSTGRES": NOWHERE, **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_SERVER_TEST],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_postgres_says_so_loudly_and_runs_sqlite_only() -> None:
    result = run_pytest()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"PostgreSQL NOT AVAILABLE at {NOWHERE}" in result.stdout
    assert "running on SQLite ONLY" in result.stdout
    assert "1 passed" in result.stdout


def test_without_postgres_in_ci_fails() -> None:
    result = run_pytest(CI="true")
    assert result.returncode != 0
    assert f"CI=true but PostgreSQL at {NOWHERE} is not reachable" in result.stdout + result.stderr
