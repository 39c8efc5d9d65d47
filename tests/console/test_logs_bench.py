"""The Logs benchmark (``bench/console_logs.py``, not part of ``make test``) still runs: loaded with
a few rows on each database, every page it times answers and the table comes out."""

import subprocess
import sys

from tests.conftest import POSTGRES_URL


def test_the_logs_benchmark_runs_with_a_few_rows(backend: str, repo_root) -> None:  # type: ignore[no-untyped-def]
    postgres = "" if backend.startswith("sqlite") else POSTGRES_URL
    done = subprocess.run([sys.executable, str(repo_root / "bench" / "console_logs.py"), "--rows", "300", "--requests", "2",
                           "--postgres", postgres], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| sqlite |" if not postgres else "| postgresql |")]
    assert len(table) == 9, done.stdout
    assert "| calls, first page | 2 | 300 | " in done.stdout and "| messages, first page | 2 | 300 | " in done.stdout
