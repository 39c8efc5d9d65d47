"""The simulated carrier as a message connector, on its own: submit results, receipts,
replies and concatenated inbound parts, reported through ConnectorEvents."""

import asyncio
from collections.abc import Sequence

from switchboard.core.clock import Clock
from switchboard.core.sms_encoding import segment
from switchboard.network.connector import DeliveryReceipt, InboundSms, OutboundMessage
from switchboard.network.sim.phones import PhoneBook, SmsBehaviour
from switchboard.network.sim.sms import SimulatedCarrier


class Recorder:
    """ConnectorEvents that keeps what the carrier reports."""

    def __init__(self) -> None:
        self.receipts_: list[DeliveryReceipt] = []
        self.inbound_: list[InboundSms] = []

    async def receipts(self, connector: str, receipts: Sequence[DeliveryReceipt]) -> None:
        assert connector == "sim"
        self.receipts_ += list(receipts)

    async def inbound(self, connector: str, message: InboundSms) -> str | None:
        self.inbound_.append(message)
        return None


def message(dst: str, text: str = "hello", src: str = "14155550100") -> OutboundMessage:
    parts = segment(text)
    return OutboundMessage(message_uuid=f"uuid-{dst}", account_id="MA", src=src, dst=dst, text=text,
                           encoding=parts.encoding, parts=parts.parts)


async def settle(condition: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition() and asyncio.get_running_loop().time() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.01)


async def test_behaviours_give_results_receipts_and_replies() -> None:
    book = PhoneBook(Clock())
    book.put("14155550001", [], SmsBehaviour(result="failed", error_code=90))
    book.put("14155550002", [], SmsBehaviour(result="undelivered", error_code=70))
    book.put("14155550003", [], SmsBehaviour(reply="pong"))
    carrier, events = SimulatedCarrier(book), Recorder()
    await carrier.start(events)
    try:
        results = await carrier.submit([message("14155550001"), message("14155550002"), message("14155550003"), message("14155550004")])
        assert [r.accepted for r in results] == [False, True, True, True]
        assert results[0].error_code == 90 and results[0].carrier_message_id is None
        await settle(lambda: len(events.receipts_) == 3 and events.inbound_)
        states = {r.carrier_message_id: (r.state, r.error_code) for r in events.receipts_}
        assert states == {"sim-uuid-14155550002": ("undelivered", 70), "sim-uuid-14155550003": ("delivered", None),
                          "sim-uuid-14155550004": ("delivered", None)}
        [reply] = events.inbound_
        assert (reply.src, reply.dst, reply.text) == ("14155550003", "14155550100", "pong")
        assert [e.kind for e in book.phone("14155550003").log] == ["sms", "sms_sent"]
        assert book.phone("14155550001").log[0].detail["result"] == "failed"
    finally:
        await carrier.stop()


async def test_resume_plans_receipts_again() -> None:
    carrier, events = SimulatedCarrier(PhoneBook(Clock())), Recorder()
    await carrier.start(events)
    try:
        pending = message("14155550009")
        await carrier.resume([OutboundMessage(**{**pending.__dict__, "carrier_message_id": "sim-earlier"})])
        await settle(lambda: events.receipts_)
        assert events.receipts_ == [DeliveryReceipt("sim-earlier", "delivered")]
    finally:
        await carrier.stop()


async def test_long_inbound_travels_as_parts() -> None:
    carrier, events = SimulatedCarrier(PhoneBook(Clock())), Recorder()
    await carrier.start(events)
    try:
        text = "x" * 400  # 3 GSM segments
        carrier.send_from_phone("14155550123", "14155550100", text)
        await settle(lambda: len(events.inbound_) == 3)
        parts = sorted(events.inbound_, key=lambda m: m.part.seqnum if m.part else 0)
        assert {m.part.total for m in parts if m.part} == {3} and len({m.part.reference for m in parts if m.part}) == 1
        assert "".join(m.text for m in parts) == text
    finally:
        await carrier.stop()


class SlowMedia(Recorder):
    """ConnectorEvents whose MMS take until ``fetched`` is set (a slow media host)."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched = asyncio.Event()

    async def inbound(self, connector: str, message: InboundSms) -> str | None:
        if message.media_urls:
            await self.fetched.wait()
        return await super().inbound(connector, message)


async def test_a_phones_mms_travels_whole_and_does_not_hold_up_other_reports() -> None:
    book = PhoneBook(Clock())
    carrier, events = SimulatedCarrier(book), SlowMedia()
    await carrier.start(events)
    try:
        carrier.send_from_phone("14155550123", "14155550100", "x" * 400, ["http://127.0.0.1:9/a.gif"])
        await asyncio.sleep(0.05)
        await carrier.submit([message("14155550124")])
        carrier.send_from_phone("14155550125", "14155550100", "a text")
        await settle(lambda: events.receipts_ and events.inbound_)
        assert [m.text for m in events.inbound_] == ["a text"] and len(events.receipts_) == 1  # while the MMS waits
        events.fetched.set()
        await settle(lambda: len(events.inbound_) == 2)
        mms = events.inbound_[1]
        assert (mms.message_type, mms.text, mms.media_urls, mms.part) == ("mms", "x" * 400, ("http://127.0.0.1:9/a.gif",), None)
        [sent] = book.phone("14155550123").log
        assert sent.kind == "sms_sent" and sent.detail["type"] == "mms" and sent.detail["media_urls"] == ["http://127.0.0.1:9/a.gif"]
    finally:
        await carrier.stop()
