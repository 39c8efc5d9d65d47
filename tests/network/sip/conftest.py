"""SIP tests: a Switchboard server with SIP on a loopback port (real clock; one per backend), the
real peers (sipp, baresip) run as processes on 127.0.0.1, and a customer application."""

import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RTP_TIMEOUT  # noqa: F401  (sip_server itself is in tests/conftest.py, shared with tests/voice/behaviour)
from tests.helpers import LiveServer, MainAccount, RecordingClient, free_port
from tests.voice.conftest import customer  # noqa: F401  (the customer-app fixture, shared with the voice tests)
from tests.voice.customer_app import CustomerApp

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def need(binary: str) -> str:
    """The path of a peer binary; a test fails without it in CI (``make install-test`` installs it)."""
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{binary} is not installed; run make install-test")
        pytest.skip(f"{binary} is not installed (make install-test installs it)")
    return path


@pytest.fixture
def sip_account(sip_server: LiveServer) -> MainAccount:
    return sip_server.new_main_account()


@pytest.fixture
def sip_sdk(sip_server: LiveServer, sip_account: MainAccount) -> RecordingClient:
    return RecordingClient(sip_server.base_url, sip_account.auth_id, sip_account.auth_token)




@dataclass
class Trunk:
    number: str
    app_id: str
    carrier_id: str


def trunk_number(server: LiveServer, account: MainAccount, sdk: RecordingClient, customer: CustomerApp,
                 ip_set: str = "127.0.0.1") -> Trunk:
    """An incoming carrier at ``ip_set`` and a number of it whose application is ``customer``."""
    with server.http(account) as http:
        carrier_id = http.post(f"/v1/Account/{account.auth_id}/IncomingCarrier/",
                               json={"name": "sipp", "ip_set": ip_set}).json()["carrier_id"]
    app = sdk.applications.create(app_name="ivr", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    number = f"4420{random.randint(10**7, 10**8 - 1)}"
    sdk.numbers.create(numbers=number, carrier=carrier_id, region="Test", number_type="local", app_id=app.app_id)
    return Trunk(number, app.app_id, carrier_id)


def sipp(server: LiveServer, scenario: str, *args: str, timeout: float = 40, **keys: Any) -> subprocess.CompletedProcess[str]:
    """Run one sipp scenario from ``scenarios/`` against the server; ``keys`` become ``-key`` values."""
    command = [need("sipp"), f"127.0.0.1:{server.sip_port}", "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1",  # type: ignore[attr-defined]
               "-mi", "127.0.0.1", "-p", str(free_port()), "-mp", str(free_port() & ~1), "-nostdin", "-timeout",
               f"{int(timeout)}s", "-timeout_error", "-max_recv_loops", "1000", *args]
    for key, value in keys.items():
        command += ["-key", key, str(value)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout + 20)


def sipp_uas(scenario: str, port: int, **fill: str) -> "subprocess.Popen[str]":
    """A sipp UAS (a carrier's trunk) listening on ``port`` for one call, in the background.
    ``fill`` replaces ``[name]`` in the scenario (sipp does not expand keys inside regexps)."""
    text = (SCENARIOS / scenario).read_text()
    for key, value in fill.items():
        text = text.replace(f"[{key}]", value)
    path = Path(tempfile.mkstemp(suffix=".xml")[1])
    path.write_text(text)
    command = [need("sipp"), "-sf", str(path), "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
               "-mp", str(free_port() & ~1), "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finished(process: "subprocess.Popen[str]", timeout: float = 45) -> tuple[int, str]:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return process.returncode, "\n".join(line for line in output.splitlines() if "rror" in line or "regexp" in line or "failed" in line.lower())[-3000:]


def stack_stats(server: LiveServer) -> dict[str, Any]:
    async def read(app: Any) -> dict[str, Any]:
        stack = app.state.sip
        return {"malformed": stack.transport.malformed, "dropped": stack.guard.dropped, "dialogs": len(stack.dialogs),
                **stack.stats}

    return server.call(read)
