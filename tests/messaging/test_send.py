"""Sending through the official SDK: single, bulk, Unicode, long; the MDR; status callbacks."""

import plivo
import pytest

from tests import go_sdk_types as go
from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.messaging.conftest import buy, eventually
from tests.messaging.receiver import Receiver

HANDSET = "14155550123"
EXTRA = tuple(go.MESSAGE)  # the MDR fields beyond the fixture (tests/messaging/test_fields.py checks each)


def phone_log(server: LiveServer, account: MainAccount, number: str) -> list[dict]:
    with server.http(account) as http:
        response = http.get(f"/_sim/phones/{number}")
    return response.json()["log"] if response.status_code == 200 else []


def finals(receiver: Receiver, path: str = "/status") -> dict[str, str]:
    return {c.params["MessageUUID"]: c.params["Status"] for c in receiver.at(path)
            if c.params["Status"] in ("delivered", "undelivered", "failed")}


def test_send_one_sms_get_and_callbacks(server: LiveServer, account: MainAccount, client: RecordingClient,
                                        receiver: Receiver) -> None:
    src = buy(client)
    response = client.messages.create(src=src, dst=HANDSET, text="Hello from Switchboard", url=receiver.url("/status"))
    assert client.last_status == 202
    assert_plivo_shape(client.last_json(), "messageSendResponse")
    assert response.message == "message(s) queued"
    [uuid] = response.message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "delivered")
    eventually(lambda: len(receiver.at("/status")) == 3)
    ordered = sorted(receiver.at("/status"), key=lambda c: int(c.params["Sequence"]))  # delivery order may differ
    assert [(c.params["Sequence"], c.params["Status"]) for c in ordered] == [("1", "queued"), ("2", "sent"), ("3", "delivered")]
    for callback in receiver.at("/status"):
        assert callback.signature_ok
    last = ordered[-1].params
    assert last["From"] == src and last["To"] == HANDSET and last["Type"] == "sms"
    assert last["Units"] == "1" and last["TotalRate"] == "0.00650" and last["TotalAmount"] == "0.00650"
    assert last["Sequence"] == "3" and last["ParentMessageUUID"] == uuid
    assert "ErrorCode" not in last
    assert last["SentTime"] and last["DeliveryReportTime"] and last["MessageTime"]
    message = client.messages.get(uuid)
    assert_plivo_shape(client.last_json(), "messageGetResponse", extra=EXTRA)
    assert message.message_state == "delivered" and message.units == 1 and message.message_direction == "outbound"
    assert message.from_number == src and message.to_number == HANDSET
    log = phone_log(server, account, HANDSET)
    assert any(event["kind"] == "sms" and event["message_uuid"] == uuid and event["text"] == "Hello from Switchboard" for event in log)


def test_bulk_send_one_uuid_per_destination(client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    dsts = ["14155550201", "14155550202", "+1 415 555 0203", "14155550201"]
    response = client.messages.create(src=src, dst="<".join(dsts), text="bulk", url=receiver.url("/status"))
    assert len(response.message_uuid) == 3
    eventually(lambda: len(finals(receiver)) == 3)
    assert set(finals(receiver)) == set(response.message_uuid)
    assert {c.params["To"] for c in receiver.at("/status")} == {"14155550201", "14155550202", "14155550203"}


@pytest.mark.parametrize(("text", "units"), [
    ("a" * 160, 1), ("a" * 161, 2), ("€" * 80, 1), ("€" * 81, 2), ("é" * 153 * 3, 3),
    ("Grüße 😀", 1), ("😀" * 35, 1), ("😀" * 36, 2), ("ç" * 70, 1), ("ç" * 71, 2), ("ç" * 737, 11),
])
def test_units_follow_the_encoding(client: RecordingClient, text: str, units: int) -> None:
    src = buy(client)
    [uuid] = client.messages.create(src=src, dst=HANDSET, text=text).message_uuid
    message = client.messages.get(uuid)
    assert message.units == units
    assert message.total_amount == f"{0.0065 * units:.5f}"


def test_unicode_text_reaches_the_phone_intact(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    src = buy(client)
    text = "Привет 👋🏽 — 你好 " * 20
    [uuid] = client.messages.create(src=src, dst="14155550777", text=text).message_uuid
    eventually(lambda: any(e.get("message_uuid") == uuid for e in phone_log(server, account, "14155550777")))
    event = next(e for e in phone_log(server, account, "14155550777") if e.get("message_uuid") == uuid)
    assert event["text"] == text and event["encoding"] == "UCS-2"
    assert event["units"] == client.messages.get(uuid).units


def test_phone_behaviours_fail_undeliver_and_delay(server: LiveServer, account: MainAccount, client: RecordingClient,
                                                    receiver: Receiver) -> None:
    src = buy(client)
    with server.http(account) as http:
        assert http.post("/_sim/phones", json={"number": "14155550301", "sms": {"result": "failed", "error_code": 90}}).status_code == 201
        assert http.post("/_sim/phones", json={"number": "14155550302", "sms": {"result": "undelivered", "error_code": 70}}).status_code == 201
        assert http.post("/_sim/phones", json={"number": "14155550303", "sms": {"receipt_delay": 0.5}}).status_code == 201
    response = client.messages.create(src=src, dst="14155550301<14155550302<14155550303", text="x", url=receiver.url("/status"))
    failed, undelivered, delayed = response.message_uuid
    eventually(lambda: len(finals(receiver)) == 3)
    by_uuid = {c.params["MessageUUID"]: c.params for c in receiver.at("/status") if c.params["Status"] in ("failed", "undelivered", "delivered")}
    assert by_uuid[failed]["Status"] == "failed" and by_uuid[failed]["ErrorCode"] == "90"
    assert by_uuid[undelivered]["Status"] == "undelivered" and by_uuid[undelivered]["ErrorCode"] == "70"
    assert by_uuid[delayed]["Status"] == "delivered"
    assert sorted(c.params["Status"] for c in receiver.at("/status") if c.params["MessageUUID"] == failed) == ["failed", "queued"]
    got = client.messages.get(undelivered)
    assert got.message_state == "undelivered" and got.error_code == "70"
    assert got.error_message == "Destination Permanently Unavailable"


def test_log_false_forgets_the_text(client: RecordingClient, receiver: Receiver, server: LiveServer, account: MainAccount) -> None:
    src = buy(client)
    [uuid] = client.messages.create(src=src, dst=HANDSET, text="secret", log="false", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "delivered")

    async def text(app: object) -> str:
        from switchboard.messaging.models import Message

        async with app.state.db.session() as session:  # type: ignore[attr-defined]
            return (await session.get(Message, uuid)).text

    assert server.call(text) == ""


def test_alphanumeric_sender(client: RecordingClient) -> None:
    [uuid] = client.messages.create(src="Switchbrd", dst="447700900123", text="hi").message_uuid
    eventually(lambda: client.messages.get(uuid).message_state == "delivered")
    with pytest.raises(plivo.exceptions.ValidationError, match="alphanumeric"):
        client.messages.create(src="Switchbrd", dst=HANDSET, text="hi")
