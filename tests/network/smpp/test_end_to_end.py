"""REST -> SMPP -> receipt -> status callback, MO over SMPP -> inbound MDR, failover and waiting
while a connector is down, on a real server with a connectors file and a real SMSC process."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _new_database
from tests.helpers import LiveServer, MainAccount, RecordingClient, free_port
from tests.messaging.conftest import FAST, buy, eventually
from tests.messaging.receiver import Receiver
from tests.network.smpp.peer import SmscPeer

CONNECTORS = """
default = "sim"

[[connector]]
name = "smsc"
kind = "smpp"
host = "127.0.0.1"
port = {port}
system_id = "switchboard"
password = "t0psecr"
reconnect_min = 0.2
reconnect_max = 1.0

[[connector]]
name = "later"
kind = "smpp"
host = "127.0.0.1"
port = {later}
system_id = "switchboard"
password = "t0psecr"
reconnect_min = 0.2
reconnect_max = 0.5

[[connector]]
name = "flaky"
kind = "smpp"
failover = "smsc"
host = "127.0.0.1"
port = {flaky}
system_id = "switchboard"

[[route]]
prefix = "49"
connector = "smsc"

[[route]]
prefix = "33"
connector = "later"

[[route]]
prefix = "44"
connector = "flaky"
"""


@pytest.fixture(scope="module")
def smsc() -> Iterator[SmscPeer]:
    peer = SmscPeer().start()
    try:
        yield peer
    finally:
        peer.kill()


@pytest.fixture(scope="module")
def later_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def server(backend: str, smsc: SmscPeer, later_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    kind = "sqlite" if backend.startswith("sqlite") else "postgresql"
    directory: Path = tmp_path_factory.mktemp("smppdata")
    (directory / "connectors.toml").write_text(CONNECTORS.format(port=smsc.port, later=later_port, flaky=free_port()))
    with _new_database(kind, tmp_path_factory.mktemp("smppdb")) as url:
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


def test_rest_to_smpp_to_receipt_to_status_callback(smsc: SmscPeer, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    text = "Grüße aus Switchboard! " * 8  # 184 GSM-7 septets: two segments with a UDH
    before = len(smsc.of("submit"))  # the SMSC outlives the server of each backend
    [uuid] = client.messages.create(src=src, dst="4915123450001", text=text, url=receiver.url("/status")).message_uuid
    eventually(lambda: statuses(receiver, uuid) == ["queued", "sent", "delivered"])
    submitted = [event for event in smsc.of("submit")[before:] if event["dst"] == "4915123450001"]
    assert len(submitted) == 2 and all(event["esm_class"] == 0x40 for event in submitted)
    message = client.messages.get(uuid)
    assert message.message_state == "delivered" and message.units == 2 and message.error_code in ("000", None, 0)


def test_receipt_before_the_submit_response_is_applied_with_the_submit(smsc: SmscPeer, client: RecordingClient,
                                                                       receiver: Receiver) -> None:
    """The receipt is stored before its submit_sm_resp comes; the submit result carries it and the
    pipeline commits `sent` and `delivered` together, each with its callback, in order."""
    src = buy(client)
    smsc.set(early=True)
    try:
        [uuid] = client.messages.create(src=src, dst="4915123450003", text="early", url=receiver.url("/status")).message_uuid
        eventually(lambda: statuses(receiver, uuid) == ["queued", "sent", "delivered"])
    finally:
        smsc.set(early=False)
    assert client.messages.get(uuid).message_state == "delivered"


def test_undelivered_receipt_gives_plivo_error(smsc: SmscPeer, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    smsc.set(stat="UNDELIV", err="001")
    try:
        [uuid] = client.messages.create(src=src, dst="4915123450002", text="gone", url=receiver.url("/status")).message_uuid
        eventually(lambda: "undelivered" in statuses(receiver, uuid))
    finally:
        smsc.set(stat="DELIVRD", err="000")
    final = [c for c in receiver.at("/status") if c.params["MessageUUID"] == uuid and c.params["Status"] == "undelivered"]
    assert final[0].params["ErrorCode"] == "70"


def test_mo_multipart_over_smpp_becomes_one_inbound_message(server: LiveServer, smsc: SmscPeer, client: RecordingClient) -> None:
    number = buy(client)
    smsc.command(cmd="mo", src="4915123459999", dst=number, text="Hello from a handset on a real SMSC, " * 5, parts=3)
    smsc.wait_for("mo_resp", count=len(smsc.of("mo_resp")) + 1)

    def inbound() -> list:
        return [m for m in client.messages.list(message_direction="inbound") if m.from_number == "4915123459999"]

    [message] = eventually(inbound)
    assert message.to_number == number and message.total_rate is not None


def test_messages_wait_while_their_connector_is_down_and_leave_when_it_returns(
        later_port: int, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    response = client.messages.create(src=src, dst="33612345678<33612345679", text="patience", url=receiver.url("/status"))
    eventually(lambda: all(statuses(receiver, uuid) == ["queued"] for uuid in response.message_uuid), timeout=3)
    assert {client.messages.get(uuid).message_state for uuid in response.message_uuid} == {"queued"}
    peer = SmscPeer(later_port).start()  # the carrier comes back
    try:
        for uuid in response.message_uuid:
            eventually(lambda: statuses(receiver, uuid) == ["queued", "sent", "delivered"], timeout=30)
        assert sorted(event["dst"] for event in peer.of("submit")) == ["33612345678", "33612345679"]
        assert len(peer.of("submit")) == 2
    finally:
        peer.kill()


def test_failover_connector_takes_messages_of_a_connector_that_is_down(smsc: SmscPeer, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    before = len(smsc.of("submit"))
    [uuid] = client.messages.create(src=src, dst="447700900123", text="via the backup", url=receiver.url("/status")).message_uuid
    eventually(lambda: statuses(receiver, uuid) == ["queued", "sent", "delivered"])
    assert [event["dst"] for event in smsc.of("submit")[before:]] == ["447700900123"]
