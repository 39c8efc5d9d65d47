"""The official Plivo SDKs, Python and Node, against a live Switchboard on every backend: each
operation of ``operations.py`` through each SDK (one Node process for the whole Node run), the
SDK matrix in docs/parity.md regenerated from the results, and the documented Node hook being the
one the script uses."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LiveServer
from tests.sdk_conformance import matrix
from tests.sdk_conformance.python_conformance import run_conformance
from tests.voice.conftest import clock_auto

HERE = Path(__file__).resolve().parent
RESULT_PREFIX = "RESULT "
WRITE_ENV = "SWITCHBOARD_WRITE_SDK_MATRIX"
NODE_TIMEOUT = 240


def _run_node(server: LiveServer) -> list[dict[str, Any]]:
    if shutil.which("node") is None or not (HERE / "node_modules" / "plivo").is_dir():
        pytest.fail("the Node SDK is not installed: run `make install-test` (needs node and npm)")
    account = server.new_main_account()
    command = ["node", str(HERE / "conformance.js"), server.base_url, account.auth_id, account.auth_token]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=NODE_TIMEOUT, cwd=HERE)
        stdout, problem = finished.stdout, finished.returncode and f"exit {finished.returncode}: {finished.stderr[-2000:]}"
    except subprocess.TimeoutExpired as expired:  # keep what it reported before it hung
        partial = expired.stdout or ""
        stdout = partial.decode() if isinstance(partial, bytes) else partial
        problem = f"did not finish in {NODE_TIMEOUT} s"
    results = [json.loads(line[len(RESULT_PREFIX):]) for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if problem:
        results.append({"op": "(script)", "call": "node conformance.js", "ok": False, "error": problem})
    return results


@pytest.fixture(scope="session")
def sdk_results(voice_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Both SDKs' results on this backend, the clock held to real time so calls stay up while acted on."""
    clock_auto(voice_server, False)
    try:
        account = voice_server.new_main_account()
        python = run_conformance(voice_server.base_url, account.auth_id, account.auth_token,
                                 tmp_path_factory.mktemp("python-sdk"))
        return {"python": python, "node": _run_node(voice_server)}
    finally:
        clock_auto(voice_server, True)


@pytest.mark.parametrize("sdk", ["python", "node"])
def test_every_operation_passes(sdk_results: dict[str, list[dict[str, Any]]], sdk: str) -> None:
    failed = matrix.problems(sdk_results[sdk])
    assert not failed, f"{len(failed)} {sdk} SDK operation(s) failed:\n" + "\n".join(failed)


def test_parity_matrix_is_current(sdk_results: dict[str, list[dict[str, Any]]], repo_root: Path) -> None:
    path = repo_root / "docs" / "parity.md"
    document = path.read_text()
    table = matrix.render(sdk_results["python"], sdk_results["node"])
    if os.environ.get(WRITE_ENV) == "1":
        path.write_text(matrix.replace(document, table))
        document = path.read_text()
    assert matrix.written(document) == table, (
        f"docs/parity.md's SDK matrix differs from this run: regenerate it with "
        f"`{WRITE_ENV}=1 .venv/bin/python -m pytest tests/sdk_conformance -k 'matrix and sqlite'`")


def test_matrix_names_every_problem() -> None:
    declared = list(matrix.OPERATIONS)
    results = [{"op": name, "call": f"sdk.{name}()", "ok": True, "error": None} for name in declared[1:]]
    results[0].update(ok=False, error="HTTP 404")
    results.append({"op": "made.up", "call": "sdk.made_up()", "ok": True, "error": None})
    assert matrix.problems(results) == [f"{declared[0]}: not run", f"{declared[1]} (sdk.{declared[1]}()): HTTP 404",
                                        "made.up: reported but not declared in tests/sdk_conformance/operations.py"]
    table = matrix.render(results, results)
    assert f"| {declared[0]} | {matrix.OPERATIONS[declared[0]]} | not run | not run |" in table
    assert f"FAIL: `sdk.{declared[1]}()`" in table and "made.up" not in table
    assert matrix.written(matrix.replace(f"a\n{matrix.BEGIN}\nold\n{matrix.END}\nb", table)) == table
    with pytest.raises(ValueError, match="markers"):
        matrix.replace("no markers here", table)


def test_the_documented_node_hook_is_the_one_tested(repo_root: Path) -> None:
    """docs/plivo-sdk.md shows point_plivo_at.js verbatim, and the script uses that file."""
    hook = (HERE / "point_plivo_at.js").read_text()
    assert f"```js\n{hook}```" in (repo_root / "docs" / "plivo-sdk.md").read_text()
    assert "require('./point_plivo_at')" in (HERE / "conformance.js").read_text()
