"""The Twilio-shaped HTTP carrier on a real server against a local API of that shape: send,
signed status callbacks, signed inbound messages (and MMS), a bad signature, a refused number, a
carrier that is down."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _new_database
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.messaging.conftest import FAST, buy, eventually
from tests.messaging.receiver import Receiver
from tests.network.http_carrier.twilio_api import INVALID, TwilioApi, post_signed

CONNECTORS = """
[[connector]]
name = "tw"
kind = "twilio"
base_url = "{base_url}"
account_sid = "{sid}"
auth_token = "{token}"

[[route]]
prefix = "61"
connector = "tw"

[[route]]
prefix = "1500555"
connector = "tw"
"""


@pytest.fixture(scope="module")
def carrier() -> Iterator[TwilioApi]:
    with TwilioApi() as api:
        yield api


@pytest.fixture(scope="module")
def server(backend: str, carrier: TwilioApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    directory: Path = tmp_path_factory.mktemp("twdata")
    (directory / "connectors.toml").write_text(CONNECTORS.format(base_url=carrier.base_url, sid=carrier.sid, token=carrier.token))
    with _new_database(kind, tmp_path_factory.mktemp("twdb")) as url:
        live = LiveServer(url, data_dir=directory, sms_mps=dict(FAST), connectors_file=directory / "connectors.toml")
        live.start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture
def receiver(account: MainAccount) -> Iterator[Receiver]:
    with Receiver(account.auth_token) as running:
        yield running


def statuses(receiver: Receiver, uuid: str) -> list[str]:
    return [c.params["Status"] for c in sorted(receiver.at("/status"), key=lambda c: int(c.params["Sequence"]))
            if c.params["MessageUUID"] == uuid]


def test_send_and_status_callbacks(server: LiveServer, carrier: TwilioApi, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    [uuid] = client.messages.create(src=src, dst="61412345678", text="G'day", url=receiver.url("/status")).message_uuid
    eventually(lambda: statuses(receiver, uuid) == ["queued", "sent", "delivered"])
    sent = [fields for fields in carrier.sent if fields["To"] == "+61412345678" and fields["From"] == f"+{src}"][-1]
    assert sent["Body"] == "G'day" and sent["StatusCallback"] == f"{server.base_url}/carrier/tw/status"
    assert 204 in carrier.callback_results


def test_refused_number_fails_with_plivo_error(carrier: TwilioApi, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    [uuid] = client.messages.create(src=src, dst=INVALID.lstrip("+"), text="x", url=receiver.url("/status")).message_uuid
    eventually(lambda: statuses(receiver, uuid) == ["queued", "failed"])
    [failed] = [c for c in receiver.at("/status") if c.params["MessageUUID"] == uuid and c.params["Status"] == "failed"]
    assert failed.params["ErrorCode"] == "50"


def test_signed_inbound_is_stored_and_a_bad_signature_is_refused(server: LiveServer, carrier: TwilioApi, account: MainAccount,
                                                                 client: RecordingClient) -> None:
    number = buy(client)
    url = f"{server.base_url}/carrier/tw/inbound"
    params = {"MessageSid": "SMin1", "From": "+61498765432", "To": f"+{number}", "Body": "hello over http", "NumMedia": "0"}
    assert post_signed(carrier.token, url, params, signature="bm90IGEgc2lnbmF0dXJl") == 403
    assert post_signed(carrier.token, url, params | {"Body": "tampered"}, signature=None) == 200
    forged = post_signed("wrong-token", url, params)
    assert forged == 403
    assert post_signed(carrier.token, url, params) == 200
    inbound = eventually(lambda: [m for m in client.messages.list(message_direction="inbound") if m.from_number == "61498765432"])
    assert len(inbound) == 2  # the two correctly signed ones, nothing of the forged ones
    with server.http(account) as http:
        status = http.get(f"/v1/Account/{account.auth_id}/Connector/tw/").json()
    assert status["status"]["counters"]["bad_signatures"] >= 2 and "bad signature" in str(status["status"]["events"])
    assert status["settings"]["auth_token"] == "********" and carrier.token not in str(status)


def test_inbound_mms_media_are_fetched_from_the_carriers_urls(server: LiveServer, carrier: TwilioApi,
                                                              client: RecordingClient, receiver: Receiver) -> None:
    number = buy(client)
    receiver.files["/MM1/photo"] = (b"\xff\xd8\xff\xe0 a jpeg", "image/jpeg")
    params = {"MessageSid": "MMin1", "From": "+61498765433", "To": f"+{number}", "Body": "a photo", "NumMedia": "1",
              "MediaUrl0": receiver.url("/MM1/photo"), "MediaContentType0": "image/jpeg"}
    assert post_signed(carrier.token, f"{server.base_url}/carrier/tw/inbound", params) == 200
    [inbound] = eventually(lambda: [m for m in client.messages.list(message_direction="inbound") if m.from_number == "61498765433"])
    assert inbound.message_type == "mms"
    client.messages.get(inbound.message_uuid).listMedia()
    [medium] = client.last_json()["objects"]
    assert medium["content_type"] == "image/jpeg" and medium["size"] == len(b"\xff\xd8\xff\xe0 a jpeg")


def test_unknown_connector_webhook_is_404(server: LiveServer, carrier: TwilioApi) -> None:
    assert post_signed(carrier.token, f"{server.base_url}/carrier/nope/status", {"MessageSid": "x"}) == 404


def test_carrier_down_messages_wait_then_leave(carrier: TwilioApi, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    carrier.down = True
    try:
        refused = carrier.refused
        [uuid] = client.messages.create(src=src, dst="61400000001", text="later", url=receiver.url("/status")).message_uuid
        eventually(lambda: carrier.refused > refused)  # tried, and the carrier answered 503
        assert client.messages.get(uuid).message_state == "queued"
    finally:
        carrier.down = False
    eventually(lambda: statuses(receiver, uuid) == ["queued", "sent", "delivered"], timeout=30)
