"""The plumbing of python_conformance.py: one result per operation, checks and waits, a customer
application on loopback and the simulator's control API (the Python twin of harness.js)."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import plivo
from plivo import plivoxml

from switchboard.plivo_sdk import plivo_client
from tests.voice.customer_app import CustomerApp

Result = dict[str, Any]


def hold(seconds: int = 120) -> str:
    response = plivoxml.ResponseElement()
    response.add_wait(length=seconds)
    return response.to_string()


def check(condition: Any, message: str) -> None:
    if not condition:
        raise AssertionError(f"check failed: {message}")


def until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def not_found(call: Callable[[], Any]) -> None:
    try:
        call()
    except plivo.exceptions.ResourceNotFoundError:
        return
    raise AssertionError("expected ResourceNotFoundError")


class Run:
    """One conformance run: the SDK client, a customer app on loopback and the results so far."""

    def __init__(self, base_url: str, auth_id: str, auth_token: str, work_dir: Path):
        self.auth_id, self.auth_token, self.work_dir = auth_id, auth_token, work_dir
        self.client = plivo_client(base_url, auth_id, auth_token)
        self.http = httpx.Client(base_url=base_url, auth=(auth_id, auth_token), timeout=10)
        self.app = CustomerApp()
        self.results: list[Result] = []
        self.state: dict[str, Any] = {}

    def op(self, name: str, call: str, body: Callable[[], Any]) -> None:
        result: Result = {"op": name, "call": call, "ok": True, "error": None}
        try:
            body()
        except Exception as exc:  # every failure is a result, the run goes on
            result.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        self.results.append(result)

    def sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, path, json=body)
        check(response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def phone(self, number: str, script: list[dict[str, Any]]) -> None:
        self.sim("POST", "/_sim/phones", {"number": number, "script": script})

    def phone_log(self, number: str) -> list[dict[str, Any]]:
        return self.sim("GET", f"/_sim/phones/{number}")["log"]

    def fast_forward(self, done: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Move the virtual clock on, a second at a time, until ``done()`` is true."""
        deadline = time.monotonic() + timeout
        while not (value := done()):
            check(time.monotonic() < deadline, "condition not met in time")
            self.sim("POST", "/_sim/clock/advance", {"seconds": 1})
            time.sleep(0.02)
        return value

    def close(self) -> None:
        self.app.stop()
        self.http.close()
