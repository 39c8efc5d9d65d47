"""The SMPP connector against a real SMSC process (smpp34): binds, submits in GSM-7 and UCS-2,
concatenation, receipts (early, per segment, hex/decimal ids), MO messages, throttling, a link
dropped mid-window and a restarted SMSC."""

import asyncio
from typing import Any

from switchboard.core.sms_encoding import segment
from switchboard.network.connector import OutboundMessage
from tests.network.smpp.conftest import eventually
from tests.network.smpp.peer import SmscPeer

APP = "14155550100"


def message(text: str, dst: str = "4915112345678", uuid: str = "m1", src: str = APP) -> OutboundMessage:
    segmented = segment(text)
    return OutboundMessage(uuid, "MA", src, dst, text, segmented.encoding, segmented.parts)


async def submits(peer: SmscPeer, count: int) -> list[dict[str, Any]]:
    return await peer.until("submit", count)


async def test_bind_and_single_gsm7_submit_with_receipt(peer: SmscPeer, connect: Any) -> None:
    connector, reported = await connect(peer.port)
    assert (await peer.until("bound"))[0]["system_id"] == "switchboard"
    [result] = await connector.submit([message("Hello @ £ € world")])
    assert result.accepted and result.carrier_message_id
    [pdu] = await submits(peer, 1)
    assert pdu["data_coding"] == 0 and pdu["esm_class"] == 0 and pdu["registered_delivery"] == 1
    assert bytes.fromhex(pdu["short_message"]).decode("gsm03.38") == "Hello @ £ € world"
    assert (pdu["source_ton"], pdu["source_npi"]) == (1, 1)
    receipts = await eventually(lambda: reported.received)
    assert receipts[0].carrier_message_id == result.carrier_message_id and receipts[0].state == "delivered"
    assert connector.status()["state"] == "up"


async def test_multipart_gsm7_with_udh_is_delivered_once_every_segment_is(peer: SmscPeer, connect: Any) -> None:
    connector, reported = await connect(peer.port)
    text = "".join(f"part {i:03d} " for i in range(40))  # 360 septets: 3 segments
    [result] = await connector.submit([message(text)])
    pdus = await submits(peer, 3)
    assert all(p["esm_class"] == 0x40 for p in pdus)
    headers = [bytes.fromhex(p["short_message"])[:6] for p in pdus]
    assert {h[:3] for h in headers} == {b"\x05\x00\x03"} and len({h[3] for h in headers}) == 1
    assert sorted(h[5] for h in headers) == [1, 2, 3] and {h[4] for h in headers} == {3}
    assert "".join(bytes.fromhex(p["short_message"])[6:].decode("gsm03.38") for p in sorted(pdus, key=lambda p: p["short_message"][10:12])) == text
    receipts = await eventually(lambda: reported.received)
    assert [r.carrier_message_id for r in receipts] == [result.carrier_message_id]  # one receipt for three segments


async def test_multipart_ucs2_and_sar_and_payload(peer: SmscPeer, connect: Any) -> None:
    text = "Привет, мир! 🙂 " * 10  # UCS-2: 170 UTF-16 units, 3 segments
    sar, _ = await connect(peer.port, name="sar", concatenation="sar")
    await sar.submit([message(text, uuid="sar")])
    pdus = await submits(peer, 3)
    assert all(p["data_coding"] == 8 and p["esm_class"] == 0 for p in pdus)
    assert {str(0x020E)} <= set(pdus[0]["tlvs"])  # sar_total_segments
    assert "".join(bytes.fromhex(p["short_message"]).decode("utf-16-be") for p in
                   sorted(pdus, key=lambda p: p["tlvs"][str(0x020F)])) == text  # no surrogate pair split
    payload, reported = await connect(peer.port, name="payload", concatenation="payload")
    [result] = await payload.submit([message(text, uuid="payload")])
    pdu = (await submits(peer, 4))[3]
    assert pdu["short_message"] == "" and bytes.fromhex(pdu["tlvs"][str(0x0424)]).decode("utf-16-be") == text
    assert result.accepted
    await eventually(lambda: [r for r in reported.received if r.carrier_message_id == result.carrier_message_id])


async def test_receipt_before_submit_response_and_decimal_ids(peer: SmscPeer, connect: Any) -> None:
    peer.set(early=True, id_format="decimal")
    connector, reported = await connect(peer.port, receipt_id_format="decimal", submit_id_format="hex")
    results = await connector.submit([message("early bird", uuid=f"e{i}", dst=f"49151000000{i}") for i in range(5)])
    assert all(result.accepted for result in results)
    receipts = await eventually(lambda: len(reported.received) >= 5 and reported.received)
    assert {r.carrier_message_id for r in receipts} == {r.carrier_message_id for r in results}
    assert all(r.state == "delivered" for r in receipts)


async def test_undelivered_receipt_maps_to_plivo_error(peer: SmscPeer, connect: Any) -> None:
    peer.set(stat="EXPIRED", err="027")
    connector, reported = await connect(peer.port)
    [result] = await connector.submit([message("too late")])
    [receipt] = await eventually(lambda: reported.received)
    assert (receipt.carrier_message_id, receipt.state, receipt.error_code) == (result.carrier_message_id, "undelivered", 80)


async def test_submit_refusals_map_to_plivo_errors(peer: SmscPeer, connect: Any) -> None:
    peer.set(reject={"4915199999999": 0x0B, "4915188888888": 0x0A})
    connector, _ = await connect(peer.port)
    results = await connector.submit([message("x", dst="4915199999999", uuid="a"), message("x", dst="4915188888888", uuid="b")])
    assert [(r.accepted, r.error_code) for r in results] == [(False, 50), (False, 40)]


async def test_mo_single_and_multipart_gsm_and_ucs2(peer: SmscPeer, connect: Any) -> None:
    connector, reported = await connect(peer.port)
    await peer.until("bound")
    peer.command(cmd="mo", src="4915112345678", dst=APP, text="STOP")
    peer.command(cmd="mo", src="4915112345678", dst=APP, text="long message " * 20, parts=2)
    peer.command(cmd="mo", src="4915112345678", dst=APP, text="Ünïcødé ✓ " * 12, parts=2, ucs2=True)
    assert [event["status"] for event in await peer.until("mo_resp", 3)] == [0, 0, 0]
    inbound = reported.inbound_messages
    assert len(inbound) == 5
    single = [m for m in inbound if m.part is None]
    assert [m.text for m in single] == ["STOP"] and single[0].src == "4915112345678" and single[0].dst == APP
    parts = sorted((m for m in inbound if m.part), key=lambda m: (m.text[:1], m.part.seqnum))  # type: ignore[union-attr]
    assert all(m.part and m.part.total == 2 for m in parts)
    assert "".join(m.text for m in parts if m.text.startswith(("long", "ssage"))).count("long message") >= 9
    assert any("✓" in m.text for m in parts)


async def test_throttled_message_is_retried_later_without_blocking_others(peer: SmscPeer, connect: Any) -> None:
    peer.set(throttle=["4915100000001"], throttle_times=1)
    connector, _ = await connect(peer.port)
    results = await connector.submit([message("slow", dst="4915100000001", uuid="t"), message("fast", dst="4915100000002", uuid="f")])
    throttled, other = results
    assert not throttled.accepted and throttled.retry_after and throttled.retry_after >= 1.0 and throttled.error_code is None
    assert other.accepted
    [again] = await connector.submit([message("slow", dst="4915100000001", uuid="t")])
    assert again.accepted
    assert connector.status()["counters"]["throttled"] == 1


async def test_link_drop_mid_window_requeues_and_smsc_restart_rebinds(peer: SmscPeer, connect: Any) -> None:
    peer.set(silent=True)  # submits stay outstanding in the window
    connector, reported = await connect(peer.port, window=5)
    pending = asyncio.ensure_future(connector.submit([message(f"m{i}", uuid=f"u{i}", dst=f"4915110000{i:03d}") for i in range(8)]))
    await submits(peer, 5)  # the window is full
    peer.kill()  # the SMSC dies with 5 submits outstanding
    results = await asyncio.wait_for(pending, 15)
    assert all(not r.accepted and r.retry_after for r in results)  # nothing lost: every message goes back to the queue
    assert connector.status()["state"] == "down" and not connector.available
    restarted = SmscPeer(peer.port).start()
    try:
        await asyncio.wait_for(connector.up_event.wait(), 15)
        again = await connector.submit([message(f"m{i}", uuid=f"u{i}", dst=f"4915110000{i:03d}") for i in range(8)])
        assert all(r.accepted for r in again)
        await eventually(lambda: len(reported.received) == 8)
        assert any("session ended" in e["event"] for e in connector.status()["events"])
    finally:
        restarted.kill()


async def test_graceful_unbind_on_stop(peer: SmscPeer, connect: Any) -> None:
    connector, _ = await connect(peer.port)
    await connector.stop()
    assert await peer.until("unbound")
    assert connector.status()["binds"][0]["sessions"][0]["state"] == "stopped"


async def test_several_binds_and_transmitter_receiver_pairs(peer: SmscPeer, connect: Any) -> None:
    """Pair mode binds a transmitter and a receiver per bind (receipts over the receivers: the next test)."""
    connector, _ = await connect(peer.port, binds=2, bind_mode="pair")
    bound = await peer.until("bound", 4)
    assert sorted(event["can_receive"] for event in bound) == [False, False, True, True]
    results = await connector.submit([message(f"n{i}", uuid=f"p{i}", dst=f"491512000{i:04d}") for i in range(20)])
    assert all(r.accepted for r in results)
    assert len(connector.status()["binds"]) == 2 and connector.status()["binds"][1]["sessions"][0]["bind_type"] == "transmitter"


async def test_receipts_over_the_receiver_of_a_transmitter_receiver_pair(peer: SmscPeer, connect: Any) -> None:
    """Receipts come in on the receiver sessions of pair binds and complete their messages.
    smpp34 1.5.0 answers every deliver_sm_resp on a receiver session with generic_nack
    ESME_RINVCMDID (a peer bug: SMPP 3.4 allows deliver_sm_resp in BOUND_RX; a hand-built
    deliver_sm_resp gets the same nack there and is accepted on a transceiver session): the
    connector must shrug that off and keep the binds up."""
    connector, reported = await connect(peer.port, binds=1, bind_mode="pair")
    await peer.until("bound", 2)
    first = await connector.submit([message(f"pair {i}", uuid=f"r{i}", dst=f"491512100{i:04d}") for i in range(5)])
    assert all(r.accepted for r in first)
    receipts = await eventually(lambda: len(reported.received) >= 5 and reported.received)
    assert {(r.carrier_message_id, r.state) for r in receipts} == {(r.carrier_message_id, "delivered") for r in first}
    [later] = await connector.submit([message("after the nacks", uuid="r9", dst="4915121009999")])
    assert later.accepted and connector.status()["state"] == "up"
    await eventually(lambda: any(r.carrier_message_id == later.carrier_message_id for r in reported.received))


async def test_receipts_stored_before_a_restart_are_reported_by_resume(connect: Any) -> None:
    """The deliver_sm was answered once its receipt was stored; the report to the pipeline was
    lost in a crash: the next start's resume() reports it."""
    from tests.network.smpp.peer import closed_port

    connector, reported = await connect(closed_port(), wait=False)
    await connector.correlation.submitted([["seg-1", "seg-2"], ["single"]])
    await connector.correlation.received([("seg-1", "delivered", None), ("seg-2", "delivered", None), ("single", "undelivered", 80)])
    outstanding = [message("x", uuid="a"), message("y", uuid="b"), message("z", uuid="c")]
    outstanding = [OutboundMessage(**{**m.__dict__, "carrier_message_id": cid}) for m, cid in zip(outstanding, ["seg-1", "single", "other"])]
    await connector.resume(outstanding)
    received = await eventually(lambda: len(reported.received) == 2 and reported.received)
    assert {(r.carrier_message_id, r.state, r.error_code) for r in received} == {("seg-1", "delivered", None), ("single", "undelivered", 80)}
