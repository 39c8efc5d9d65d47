"""A server that stops with calls in progress ends them properly: no call record stays open."""

from pathlib import Path

from plivo import plivoxml

from tests.helpers import LiveServer, RecordingClient
from tests.voice.customer_app import CustomerApp


def test_stopping_the_server_ends_live_calls(empty_database: str, tmp_path: Path, customer: CustomerApp) -> None:
    backend = empty_database
    hold = plivoxml.ResponseElement()
    hold.add_wait(length=600)
    customer.route("/answer", hold.to_string())
    customer.route("/hangup", "")
    server = LiveServer(backend, data_dir=tmp_path, clock="real")
    server.start()
    try:
        account = server.new_main_account()
        sdk = RecordingClient(server.base_url, account.auth_id, account.auth_token)
        uuid = sdk.calls.create(from_="14155550799", to_="14155550701", answer_url=customer.url("/answer"),
                                hangup_url=customer.url("/hangup")).request_uuid
        customer.wait_for("/answer")
    finally:
        server.stop()
    server = LiveServer(backend, data_dir=tmp_path, clock="real")
    server.start()
    try:
        record = RecordingClient(server.base_url, account.auth_id, account.auth_token).calls.get(uuid)
        assert record.end_time is not None and record.hangup_cause_code == 5010
    finally:
        server.stop()
    hangup = customer.wait_for("/hangup")[0].params
    assert hangup["HangupCauseCode"] == "5010" and hangup["HangupSource"] == "Plivo"
