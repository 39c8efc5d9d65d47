"""A call that starts or ends while the database refuses writes still gets its record and its
hangup callback: the engine tries again instead of refusing the call (SIP 603) or logging the
failure and leaving the record open."""

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from plivo import plivoxml

from tests.helpers import LiveServer, RecordingClient
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp

BUSY_TIMEOUT = 1.0  # the server's SQLite busy timeout in these tests (10 s by default)
LOCK_SECONDS = 3.0  # held that long after the call ends, well past the busy timeout, so the first write fails


@pytest.fixture
def sqlite_server(empty_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[LiveServer]:
    if not empty_database.startswith("sqlite"):
        pytest.skip("a writer locked out past its busy timeout is a SQLite failure; PostgreSQL waits for row locks")
    caplog.set_level(logging.WARNING, logger="switchboard.voice")
    server = LiveServer(empty_database, data_dir=tmp_path, clock="real", sqlite_busy_timeout=BUSY_TIMEOUT)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def writers_locked_out(server: LiveServer) -> Iterator[None]:
    """Hold SQLite's write lock for :data:`LOCK_SECONDS` after the body has run."""
    lock = sqlite3.connect(server.settings.database_url.split("///", 1)[1], timeout=30, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        yield
        time.sleep(LOCK_SECONDS)
    finally:
        lock.execute("ROLLBACK")
        lock.close()


def retried(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]


def test_call_end_is_stored_after_the_database_was_locked(sqlite_server: LiveServer, customer: CustomerApp,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    answer = plivoxml.ResponseElement()
    answer.add_wait(length=1)
    customer.route("/answer", answer.to_string())
    customer.route("/hangup", "")
    account = sqlite_server.new_main_account()
    sdk = RecordingClient(sqlite_server.base_url, account.auth_id, account.auth_token)
    uuid = sdk.calls.create(from_="14155550899", to_="14155550801", answer_url=customer.url("/answer"),
                            hangup_url=customer.url("/hangup")).request_uuid
    customer.wait_for("/answer")
    with writers_locked_out(sqlite_server):  # the call ends (End Of XML) while every writer is locked out
        pass
    hangup = customer.wait_for("/hangup", timeout=60)[0].params
    assert hangup["CallUUID"] == uuid and hangup["HangupCauseCode"] == "4010"
    record = sdk.calls.get(uuid)
    assert record.end_time is not None and record.hangup_cause_code == 4010
    assert any(f"completing the call record of {uuid} failed" in message for message in retried(caplog)), retried(caplog)


def test_inbound_call_arriving_while_the_database_is_locked_is_answered(sqlite_server: LiveServer, customer: CustomerApp,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    answer = plivoxml.ResponseElement()
    answer.add_speak("You got through.")
    customer.route("/answer", answer.to_string())
    customer.route("/hangup", "")
    sim = Sim(sqlite_server, sqlite_server.new_main_account())
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    with writers_locked_out(sqlite_server):  # the call's record cannot be written past the busy timeout
        uuid = sim.call("14155550898", number)
    assert customer.wait_for("/answer", timeout=60)[0].params["CallUUID"] == uuid
    hangup = customer.wait_for("/hangup", timeout=60)[0].params
    assert hangup["CallUUID"] == uuid and hangup["HangupCauseCode"] == "4010"
    assert sim.record(uuid)["hangup_cause_code"] == 4010
    sim.http.close()
    assert any(f"accepting inbound call {uuid} failed" in message for message in retried(caplog)), retried(caplog)
