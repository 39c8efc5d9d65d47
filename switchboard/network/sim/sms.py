"""The simulated carrier: delivers messages to simulated phones and plays their SMS behaviour.

Each phone's ``sms`` behaviour (see ``phones.py``) decides what happens to a message sent to it:
``delivered`` (a receipt after ``receipt_delay`` seconds), ``undelivered`` (accepted, then a
failure receipt with ``error_code``, default 80), or ``failed`` (refused at submit with
``error_code``, default 1000). ``reply`` makes the phone answer every delivered message. Every
message is written to the phone's log. Inbound messages (``POST /_sim/messages``) longer than one
segment travel as concatenated parts, as a handset would send them, so the pipeline's reassembly
is exercised; an MMS travels whole, its media as URLs, as an MMSC hands them over.
"""

import asyncio
import heapq
import itertools
import logging
import random
from collections.abc import Sequence

from switchboard.core.sms_encoding import segment
from switchboard.network.connector import (
    ConnectorEvents,
    DeliveryReceipt,
    InboundSms,
    OutboundMessage,
    PartInfo,
    SubmitResult,
)
from switchboard.network.sim.phones import PhoneBook

log = logging.getLogger("switchboard.sim.sms")
NAME = "sim"
UNDELIVERED_DEFAULT = 80
FAILED_DEFAULT = 1000
MIN_RECEIPT_DELAY = 0.02
"""A network takes a moment to report; receipts also batch better for it."""


class SimulatedCarrier:
    name = NAME
    kind = "sim"
    available = True

    def status(self) -> dict[str, object]:
        return {"state": "up", "pending_reports": len(self._due)}

    def __init__(self, phone_book: PhoneBook, *, batch: int = 500):
        self.phone_book = phone_book
        self._events: ConnectorEvents | None = None
        self._due: list[tuple[float, int, DeliveryReceipt | InboundSms]] = []
        self._counter = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._with_media: set[asyncio.Task[None]] = set()
        """Reports of MMS from phones in flight (see :meth:`_report_alone`)."""
        self._batch = batch
        self._stopping = False

    async def start(self, events: ConnectorEvents) -> None:
        self._events = events
        self._task = asyncio.create_task(self._run(), name="sim-carrier")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop after the report in progress (pending receipts are planned again by ``resume``)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
            except TimeoutError:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._with_media:
            _done, pending = await asyncio.wait(set(self._with_media), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _later(self, delay: float, item: DeliveryReceipt | InboundSms) -> None:
        heapq.heappush(self._due, (self.phone_book.clock.monotonic() + delay, next(self._counter), item))
        self._wake.set()

    async def submit(self, messages: Sequence[OutboundMessage]) -> list[SubmitResult]:
        return [self._submit_one(message) for message in messages]

    def _submit_one(self, message: OutboundMessage) -> SubmitResult:
        phone = self.phone_book.phone(message.dst)
        behaviour = phone.sms
        self.phone_book.record(
            message.dst, "sms", message_uuid=message.message_uuid, **{"from": message.src}, text=message.text,
            type=message.message_type, units=len(message.parts), encoding=message.encoding,
            media_urls=list(message.media_urls), result=behaviour.result,
        )
        if behaviour.result == "failed":
            return SubmitResult(message.message_uuid, False, error_code=behaviour.error_code or FAILED_DEFAULT)
        carrier_id = f"sim-{message.message_uuid}"
        self._plan(carrier_id, message.src, message.dst)
        return SubmitResult(message.message_uuid, True, carrier_message_id=carrier_id)

    def _plan(self, carrier_id: str, src: str, dst: str) -> None:
        behaviour = self.phone_book.phone(dst).sms
        if behaviour.result == "undelivered":
            receipt = DeliveryReceipt(carrier_id, "undelivered", behaviour.error_code or UNDELIVERED_DEFAULT)
        else:
            receipt = DeliveryReceipt(carrier_id, "delivered")
        self._later(max(behaviour.receipt_delay, MIN_RECEIPT_DELAY), receipt)
        if behaviour.reply and behaviour.result == "delivered" and src.isdigit():
            self.phone_book.record(dst, "sms_sent", to=src, text=behaviour.reply, type="sms", media_urls=[])
            self._later(behaviour.receipt_delay, InboundSms(src=dst, dst=src, text=behaviour.reply, carrier=NAME))

    async def resume(self, outstanding: Sequence[OutboundMessage]) -> None:
        """The phones' receipts were in memory: plan them again from the phones' behaviour."""
        for message in outstanding:
            if message.carrier_message_id:
                self._plan(message.carrier_message_id, message.src, message.dst)

    def send_from_phone(self, src: str, dst: str, text: str, media_urls: Sequence[str] = ()) -> None:
        """A handset sends ``text``: as one message, or as concatenated parts sent in a shuffled
        order (carriers do not keep the order) when it needs more than one segment; with
        ``media_urls``, as one MMS whose media the platform fetches from those URLs."""
        kind = "mms" if media_urls else "sms"
        self.phone_book.record(src, "sms_sent", to=dst, text=text, type=kind, media_urls=list(media_urls))
        if media_urls:
            self._later(0, InboundSms(src=src, dst=dst, text=text, message_type=kind, media_urls=tuple(media_urls), carrier=NAME))
            return
        parts = segment(text).parts
        if len(parts) == 1:
            self._later(0, InboundSms(src=src, dst=dst, text=text, carrier=NAME))
            return
        reference = random.randrange(256)
        items = [
            InboundSms(src=src, dst=dst, text=part, carrier=NAME, part=PartInfo(reference, len(parts), index))
            for index, part in enumerate(parts, start=1)
        ]
        random.shuffle(items)
        for item in items:
            self._later(0, item)

    async def _run(self) -> None:
        clock = self.phone_book.clock
        while not self._stopping:
            now = clock.monotonic()
            receipts: list[DeliveryReceipt] = []
            inbound: list[InboundSms] = []
            while self._due and self._due[0][0] <= now and len(receipts) < self._batch:
                item = heapq.heappop(self._due)[2]
                (receipts if isinstance(item, DeliveryReceipt) else inbound).append(item)
            for message in [message for message in inbound if message.media_urls]:
                self._report_alone(message)
            inbound = [message for message in inbound if not message.media_urls]
            if receipts or inbound:
                await self._report(receipts, inbound)
                continue
            self._wake.clear()
            woken = asyncio.ensure_future(self._wake.wait())
            try:  # on the phones' clock: a virtual one jumps to the next receipt as it jumps for calls
                await clock.wait(woken, self._due[0][0] - now if self._due else None)
            finally:
                woken.cancel()

    def _report_alone(self, message: InboundSms) -> None:
        """An MMS from a phone is reported in a task of its own: the platform fetches its media, and
        a slow media host must not hold up the receipts and texts behind it."""
        task = asyncio.create_task(self._report([], [message]))
        self._with_media.add(task)
        task.add_done_callback(self._with_media.discard)

    async def _report(self, receipts: list[DeliveryReceipt], inbound: list[InboundSms]) -> None:
        """Hand receipts and messages to the platform; a virtual clock stands still meanwhile, so
        what a phone sends or reports later is never stored before what it reported now."""
        assert self._events is not None
        try:
            with self.phone_book.clock.busy():
                if receipts:
                    await self._events.receipts(NAME, receipts)
                for message in inbound:
                    await self._events.inbound(NAME, message)
        except asyncio.CancelledError:
            raise
        except Exception:  # like a carrier, try again later rather than lose the event
            log.exception("reporting %d receipts and %d inbound messages failed; retrying", len(receipts), len(inbound))
            for item in [*receipts, *inbound]:
                self._later(1.0, item)
