"""Voice tests: a Switchboard server on the virtual clock (one per database backend), a customer
application on loopback, and helpers to script simulated phones and wait for calls to end."""

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import _new_database, running_server
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.voice.customer_app import CustomerApp


@pytest.fixture(scope="session")
def voice_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    with (
        _new_database(kind, tmp_path_factory.mktemp(f"voice-{kind}")) as url,
        running_server(url, tmp_path_factory.mktemp("voice-data"), clock="virtual") as live,
    ):
        yield live


@pytest.fixture
def voice_account(voice_server: LiveServer) -> MainAccount:
    return voice_server.new_main_account()


@pytest.fixture
def sdk(voice_server: LiveServer, voice_account: MainAccount) -> RecordingClient:
    return RecordingClient(voice_server.base_url, voice_account.auth_id, voice_account.auth_token)


@pytest.fixture
def customer() -> Iterator[CustomerApp]:
    """A local customer application serving XML and recording every request (also used by the SIP tests)."""
    app = CustomerApp()
    try:
        yield app
    finally:
        app.stop()


class Sim:
    """The simulator's control API, for one account."""

    def __init__(self, server: LiveServer, account: MainAccount):
        self.server, self.account = server, account
        self.http = server.http(account)

    def phone(self, number: str, script: list[dict[str, Any]]) -> None:
        response = self.http.post("/_sim/phones", json={"number": number, "script": script})
        assert response.status_code == 201, response.text

    def call(self, from_: str, to: str, script: list[dict[str, Any]] | None = None) -> str:
        response = self.http.post("/_sim/calls", json={"from": from_, "to": to, "script": script or []})
        assert response.status_code == 201, response.text
        return response.json()["call_uuid"]

    def log(self, address: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/_sim/phones/{address}")
        assert response.status_code == 200, response.text
        return response.json()["log"]

    def record(self, call_uuid: str, timeout: float = 20.0) -> dict[str, Any]:
        """The call record once the call has ended."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.http.get(f"/v1/Account/{self.account.auth_id}/Call/{call_uuid}/")
            if response.status_code == 200 and response.json()["end_time"] is not None:
                return response.json()
            if time.monotonic() > deadline:
                raise AssertionError(f"call {call_uuid} did not end: {response.status_code} {response.text}")
            time.sleep(0.02)

    def rent_number(self, app_id: str | None = None) -> str:
        auth = self.account.auth_id
        found = self.http.get(f"/v1/Account/{auth}/PhoneNumber/", params={"country_iso": "US", "limit": 1}).json()
        number = found["objects"][0]["number"]
        bought = self.http.post(f"/v1/Account/{auth}/PhoneNumber/{number}/", json={"app_id": app_id} if app_id else {})
        assert bought.status_code == 201, bought.text
        return number

    def application(self, answer_url: str, **extra: Any) -> str:
        response = self.http.post(f"/v1/Account/{self.account.auth_id}/Application/",
                                  json={"app_name": f"app{time.monotonic_ns()}", "answer_url": answer_url, **extra})
        assert response.status_code == 201, response.text
        return response.json()["app_id"]


def clock_auto(server: LiveServer, on: bool) -> None:
    """Let the virtual clock jump ahead when every call waits (on), or hold it to real time (off)."""
    async def auto(app: Any, on: bool) -> None:
        app.state.clock.auto = on

    server.call(auto, on)


@pytest.fixture
def still_clock(voice_server: LiveServer) -> Iterator[None]:
    """The virtual clock held to real time, so calls stay up while a test acts on them."""
    clock_auto(voice_server, False)
    try:
        yield
    finally:
        clock_auto(voice_server, True)


@pytest.fixture
def sim(voice_server: LiveServer, voice_account: MainAccount) -> Iterator[Sim]:
    helper = Sim(voice_server, voice_account)
    try:
        yield helper
    finally:
        helper.http.close()


def kinds(log: list[dict[str, Any]], *wanted: str) -> list[dict[str, Any]]:
    return [event for event in log if event["kind"] in wanted]
