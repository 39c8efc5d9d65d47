"""What a misbehaving SMSC does to the connector: logged, recovered, visible in its status."""

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from switchboard.core.clock import Clock
from switchboard.network.smpp.correlation import UNMATCHED_GRACE
from tests.network.smpp.conftest import eventually
from tests.network.smpp.peer import ScriptedSmsc, SmscPeer, closed_port
from tests.network.smpp.test_esme import APP, message


class Later(Clock):
    def __init__(self, offset: timedelta):
        self.offset = offset

    def now(self) -> datetime:
        return super().now() + self.offset


def events(connector: Any) -> str:
    return "\n".join(event["event"] for event in connector.status()["events"])


async def test_wrong_bind_credentials_back_off_and_never_log_the_password(connect: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with ScriptedSmsc("refuse", status=0x0E) as smsc:
        connector, _ = await connect(smsc.port, wait=False, password="hunter2", reconnect_min=0.1, reconnect_max=30.0)
        await eventually(lambda: "0x0E" in events(connector))
        await asyncio.sleep(0.5)
        assert smsc.connections == 1  # an authentication failure is retried slowly, not hammered
        status = connector.status()
        assert status["state"] == "down" and "check system_id/password" in status["binds"][0]["sessions"][0]["last_error"]
        [result] = await connector.submit([message("queued meanwhile")])
        assert not result.accepted and result.retry_after  # waits in the queue, not failed
    assert "hunter2" not in caplog.text and "hunter2" not in str(status) and "hunter2" not in repr(connector.config)


async def test_smsc_that_never_answers(connect: Any) -> None:
    async with ScriptedSmsc("silent") as smsc:
        connector, _ = await connect(smsc.port, wait=False, response_timeout=0.3)
        await eventually(lambda: smsc.connections >= 2)  # timed out, reconnected
        assert "ResponseTimeout" in events(connector) and connector.status()["state"] == "down"


async def test_nothing_listening(connect: Any) -> None:
    connector, _ = await connect(closed_port(), wait=False)
    await eventually(lambda: "cannot bind" in events(connector))
    assert not connector.available


async def test_garbage_bytes_on_the_socket(connect: Any) -> None:
    async with ScriptedSmsc("garbage") as smsc:
        connector, _ = await connect(smsc.port, wait=False)
        await eventually(lambda: "garbage on the socket" in events(connector))
        await eventually(lambda: smsc.connections >= 2)  # it reconnects


async def test_generic_nack_for_a_request_never_sent_ends_the_session(connect: Any) -> None:
    """Unlike a nack of one of our responses (test_esme: the receiver of a pair), a nack that
    matches nothing sent means the PDU stream is out of step: the session is dropped and bound again."""
    async with ScriptedSmsc("nack") as smsc:
        connector, _ = await connect(smsc.port, wait=False)
        await eventually(lambda: "generic_nack for an unknown request" in events(connector))
        await eventually(lambda: smsc.connections >= 2)


async def test_receipt_for_an_unknown_id(peer: SmscPeer, connect: Any) -> None:
    connector, reported = await connect(peer.port)
    await peer.until("bound")
    peer.command(cmd="unknown_receipt", app=APP)
    await eventually(lambda: connector.status()["counters"].get("receipts") == 1)
    assert reported.received == []  # matched nothing, reported nothing
    connector.correlation.clock = Later(UNMATCHED_GRACE * 2)  # a while later, still nothing matched it
    await connector.correlation.expire()
    assert connector.status()["counters"]["unknown_receipts"] == 1


async def test_mo_with_a_broken_udh_is_refused_and_the_session_survives(peer: SmscPeer, connect: Any) -> None:
    connector, reported = await connect(peer.port)
    await peer.until("bound")
    peer.command(cmd="mo", src="4915112345678", dst=APP, text="broken", udh_hex="0900030a")  # says 9 octets, has 3
    [response] = await peer.until("mo_resp")
    assert response["status"] == 0x65 and reported.inbound_messages == []
    assert "refused" in events(connector) and connector.status()["counters"]["broken_mo"] == 1
    peer.command(cmd="mo", src="4915112345678", dst=APP, text="fine")
    await eventually(lambda: [m.text for m in reported.inbound_messages] == ["fine"])


async def test_mo_that_cannot_be_stored_is_answered_with_a_temporary_error(peer: SmscPeer, connect: Any) -> None:
    connector, reported = await connect(peer.port)
    await peer.until("bound")
    reported.fail_inbound = True
    peer.command(cmd="mo", src="4915112345678", dst=APP, text="later")
    [response] = await peer.until("mo_resp")
    assert response["status"] == 0x64  # ESME_RX_T_APPN: the SMSC keeps it and retries
