"""`switchboard serve` and `switchboard create-account` as a user runs them: real processes."""

import base64
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port

SWITCHBOARD = str(Path(sys.executable).with_name("switchboard"))
AUTH_ID = "MAPQ7Z2K4LX9WB3TN8RD"


@contextmanager
def serving(database_url: str, data_dir: Path, env: dict[str, str], *options: str) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [SWITCHBOARD, "serve", "--port", str(port), "--data-dir", str(data_dir), "--database-url", database_url, *options],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Uvicorn running on" in line:  # listening (the application started before)
                break
        else:
            raise AssertionError("server exited during start-up:\n" + "".join(lines))
        yield f"http://127.0.0.1:{port}", lines
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_serve_creates_main_account_from_environment_and_keeps_data(empty_database: str, tmp_path: Path) -> None:
    env = {"SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": "a-secret-token-0001"}
    with serving(empty_database, tmp_path, env) as (base, lines):
        output = "".join(lines)
        assert f"API base:   {base}/v1/Account/{AUTH_ID}/" in output
        assert f"auth_id:    {AUTH_ID}" in output and "auth_token: a-secret-token-0001" in output
        with httpx.Client(base_url=base, auth=(AUTH_ID, "a-secret-token-0001")) as http:
            assert http.get(f"/v1/Account/{AUTH_ID}/").status_code == 200
            sub = http.post(f"/v1/Account/{AUTH_ID}/Subaccount/", json={"name": "kept", "enabled": True}).json()
    # a second start on the same data, with other credentials in the environment, keeps everything
    other_env = {"SWITCHBOARD_AUTH_ID": "MA000000000000000000", "SWITCHBOARD_AUTH_TOKEN": "another-token"}
    with serving(empty_database, tmp_path, other_env) as (base, lines):
        output = "".join(lines)
        assert f"auth_id:    {AUTH_ID}" in output
        assert "SWITCHBOARD_AUTH_ID=MA000000000000000000 ignored" in output
        with httpx.Client(base_url=base, auth=(sub["auth_id"], sub["auth_token"])) as http:
            assert http.get(f"/v1/Account/{sub['auth_id']}/").json()["name"] == "kept"


def test_serve_generates_credentials_when_none_are_given(tmp_path: Path) -> None:
    env = {"SWITCHBOARD_AUTH_ID": "", "SWITCHBOARD_AUTH_TOKEN": ""}
    url = f"sqlite+aiosqlite:///{tmp_path / 'sb.db'}"
    with serving(url, tmp_path, env) as (base, lines):
        output = "".join(lines)
        auth_id = re.search(r"auth_id:    (MA[A-Z0-9]{18})", output).group(1)  # type: ignore[union-attr]
        token = re.search(r"auth_token: ([A-Za-z0-9]{40})", output).group(1)  # type: ignore[union-attr]
        assert httpx.get(f"{base}/v1/Account/{auth_id}/", auth=(auth_id, token)).status_code == 200
        # enough to sign in to the console: its address, and how to add an email sign-in
        assert f"console:    {base}/ (sign in with this auth_id and auth_token)" in output
        assert f"`switchboard user add EMAIL --account {auth_id} --database-url {url}`" in output


def test_default_data_dir_is_used_for_sqlite(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [SWITCHBOARD, "serve", "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Application startup complete" in line:
                break
        assert (tmp_path / "var" / "switchboard.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SWITCHBOARD_AUTH_ID": "MAlowercase000000000"}, "MA followed by 18 upper-case letters or digits"),
        ({"SWITCHBOARD_AUTH_ID": "SA000000000000000000"}, "MA followed by 18"),
        ({"SWITCHBOARD_AUTH_TOKEN": "short"}, "8 to 40 characters"),
    ],
)
def test_serve_refuses_unusable_credentials(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = subprocess.run(
        [SWITCHBOARD, "serve", "--data-dir", str(tmp_path), "--port", str(free_port())],
        env={**os.environ, "SWITCHBOARD_AUTH_ID": "", "SWITCHBOARD_AUTH_TOKEN": "", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "switchboard.db").exists()


def test_create_account_adds_a_tenant(backend: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [SWITCHBOARD, "create-account", "--name", "Second tenant", "--database-url", backend],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    auth_id = re.search(r"auth_id:    (MA[A-Z0-9]{18})", result.stdout).group(1)  # type: ignore[union-attr]
    token = re.search(r"auth_token: (\S+)", result.stdout).group(1)  # type: ignore[union-attr]
    with serving(backend, tmp_path, {}) as (base, _lines):
        body = httpx.get(f"{base}/v1/Account/{auth_id}/", auth=(auth_id, token)).json()
    assert body["name"] == "Second tenant"


def test_serve_keeps_an_idle_connection_open_longer_than_a_pause_between_api_calls(tmp_path: Path) -> None:
    """An SDK's pooled connection, idle for 6 s (more than uvicorn's default 5 s), still serves
    the next call: the server has not closed it under the client."""
    env = {"SWITCHBOARD_AUTH_ID": AUTH_ID, "SWITCHBOARD_AUTH_TOKEN": "a-secret-token-0001"}
    url = f"sqlite+aiosqlite:///{tmp_path / 'sb.db'}"
    with serving(url, tmp_path, env) as (base, _lines):
        port = int(base.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": "Basic " + base64.b64encode(f"{AUTH_ID}:a-secret-token-0001".encode()).decode()}
        connection.request("GET", f"/v1/Account/{AUTH_ID}/", headers=headers)
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        time.sleep(6.0)
        connection.request("GET", f"/v1/Account/{AUTH_ID}/", headers=headers)
        second = connection.getresponse()
        second.read()
        assert connection.sock is sock, "the connection was not reused"
        assert (first.status, second.status) == (200, 200)
        connection.close()


def test_the_console_address_and_the_user_command_printed_at_start_work() -> None:
    from switchboard.app import _database_option, console_url
    from switchboard.config import Settings

    assert console_url(Settings(host="0.0.0.0", port=8080)) == "http://127.0.0.1:8080/"
    assert console_url(Settings(host="127.0.0.1", port=9000)) == "http://127.0.0.1:9000/"
    assert console_url(Settings(host="0.0.0.0", public_url="https://sb.example.org/")) == "https://sb.example.org/"
    postgres = Settings(database_url="postgresql+asyncpg://sb:secret@db/sb")
    assert _database_option(postgres) == " --database-url postgresql+asyncpg://sb:***@db/sb"
    assert _database_option(Settings(data_dir=Path("/srv/sb"))) == " --data-dir /srv/sb"
