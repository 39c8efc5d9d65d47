"""A call that starts or ends while the database refuses writes still gets its record and its
hangup callback: the engine tries again instead of refusing the call (SIP 603) or logging the
failure and leaving the record open."""

import logging
import sqlite3
import time
from pathlib import Path

import pytest
from plivo import plivoxml

from tests.helpers import LiveServer, RecordingClient
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp

LOCK_SECONDS = 16.0  # well past the server's SQLite busy_timeout (10 s) after the call ends, so its first write fails


def test_call_end_is_stored_after_the_database_was_locked(empty_database: str, tmp_path: Path,
                                                          customer: CustomerApp,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    if not empty_database.startswith("sqlite"):
        pytest.skip("a writer locked out past its busy timeout is a SQLite failure; PostgreSQL waits for row locks")
    database_file = empty_database.split("///", 1)[1]
    answer = plivoxml.ResponseElement()
    answer.add_wait(length=1)
    customer.route("/answer", answer.to_string())
    customer.route("/hangup", "")
    caplog.set_level(logging.WARNING, logger="switchboard.voice")
    server = LiveServer(empty_database, data_dir=tmp_path, clock="real")
    server.start()
    try:
        account = server.new_main_account()
        sdk = RecordingClient(server.base_url, account.auth_id, account.auth_token)
        uuid = sdk.calls.create(from_="14155550899", to_="14155550801", answer_url=customer.url("/answer"),
                                hangup_url=customer.url("/hangup")).request_uuid
        customer.wait_for("/answer")
        lock = sqlite3.connect(database_file, timeout=30, isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")  # the call ends (End Of XML) while every writer is locked out
            time.sleep(LOCK_SECONDS)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        hangup = customer.wait_for("/hangup", timeout=60)[0].params
        assert hangup["CallUUID"] == uuid and hangup["HangupCauseCode"] == "4010"
        record = sdk.calls.get(uuid)
        assert record.end_time is not None and record.hangup_cause_code == 4010
    finally:
        server.stop()
    retried = [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]
    assert any(f"completing the call record of {uuid} failed" in message for message in retried), retried


def test_inbound_call_arriving_while_the_database_is_locked_is_answered(empty_database: str, tmp_path: Path,
                                                                         customer: CustomerApp,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    if not empty_database.startswith("sqlite"):
        pytest.skip("a writer locked out past its busy timeout is a SQLite failure; PostgreSQL waits for row locks")
    database_file = empty_database.split("///", 1)[1]
    answer = plivoxml.ResponseElement()
    answer.add_speak("You got through.")
    customer.route("/answer", answer.to_string())
    customer.route("/hangup", "")
    caplog.set_level(logging.WARNING, logger="switchboard.voice")
    server = LiveServer(empty_database, data_dir=tmp_path, clock="real")
    server.start()
    try:
        sim = Sim(server, server.new_main_account())
        number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
        lock = sqlite3.connect(database_file, timeout=30, isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")  # the call's record cannot be written past the busy timeout
            uuid = sim.call("14155550898", number)
            time.sleep(LOCK_SECONDS)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert customer.wait_for("/answer", timeout=60)[0].params["CallUUID"] == uuid
        hangup = customer.wait_for("/hangup", timeout=60)[0].params
        assert hangup["CallUUID"] == uuid and hangup["HangupCauseCode"] == "4010"
        assert sim.record(uuid)["hangup_cause_code"] == 4010
        sim.http.close()
    finally:
        server.stop()
    retried = [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]
    assert any(f"accepting inbound call {uuid} failed" in message for message in retried), retried
