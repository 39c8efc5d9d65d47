"""The SMPP connector (ESME): a :class:`~switchboard.network.connector.MessageConnector` over one
or more binds to one SMSC. It submits each message (one submit_sm per segment, paced per bind
within each bind's window), persists the ids the SMSC returns, and turns deliver_sm PDUs into
receipts and inbound messages for the pipeline, answering each deliver_sm only once the pipeline
has stored what it carried."""

import asyncio
import collections
import dataclasses
import itertools
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.clock import Clock
from switchboard.network.connector import ConnectorEvents, DeliveryReceipt, InboundSms, OutboundMessage, SubmitResult
from switchboard.network.smpp import concat, ids, pdu, receipts, status
from switchboard.network.smpp.bind import Bind
from switchboard.network.smpp.config import SmppConfig
from switchboard.network.smpp.correlation import ReceiptCorrelation
from switchboard.network.smpp.session import ResponseTimeout, Session, SessionClosed

log = logging.getLogger("switchboard.smpp")
DOWN_RETRY = 2.0
"""Seconds a message waits in the pipeline's queue when no bind is up."""
SEGMENT_RETRIES = 5
RECEIPT_BATCH = 500
EXPIRE_EVERY = 60.0


class SmppConnector:
    kind = "smpp"

    def __init__(self, name: str, config: SmppConfig, clock: Clock, sessionmaker: async_sessionmaker[AsyncSession]):
        self.name = name
        self.config = config
        self.clock = clock
        self.sessionmaker = sessionmaker
        self.binds = [Bind(config, clock, index, name, self._deliver, self.note, self._changed) for index in range(config.binds)]
        self.correlation = ReceiptCorrelation(sessionmaker, name, clock, ttl_hours=config.receipt_ttl_hours)
        self.events_log: collections.deque[dict[str, str]] = collections.deque(maxlen=100)
        self.counters: collections.Counter[str] = collections.Counter()
        self._events: ConnectorEvents | None = None
        self._references = itertools.count(1)
        self._next_bind = itertools.count()
        self._receipts: asyncio.Queue[tuple[Session, int, str, str, int | None]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._spawned: set[asyncio.Task[Any]] = set()
        self.up_event = asyncio.Event()

    # --- life cycle ----------------------------------------------------------------------------

    async def start(self, events: ConnectorEvents) -> None:
        self._events = events
        lock = getattr(events, "write_lock", None)
        if lock is not None:  # SQLite: take turns with the pipeline's writes instead of sleeping in its busy handler
            self.correlation.write_lock = lambda: lock
        for bind in self.binds:
            bind.start()
        self._tasks = [asyncio.create_task(self._receipt_loop(), name=f"smpp-receipts-{self.name}"),
                       asyncio.create_task(self._expire_loop(), name=f"smpp-expire-{self.name}")]

    async def stop(self) -> None:
        """Unbind every session (waiting for unbind_resp), then stop."""
        await asyncio.gather(*(bind.stop() for bind in self.binds))
        for task in [*self._tasks, *self._spawned]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._spawned, return_exceptions=True)

    async def resume(self, outstanding: Sequence[OutboundMessage]) -> None:
        """Messages still ``sent`` after a restart: report those whose receipts were stored
        before the restart but not reported; the others' receipts will come from the SMSC."""
        ids = [message.carrier_message_id for message in outstanding if message.carrier_message_id]
        done = await self.correlation.completed(ids) if ids else []
        if done:
            self._spawn(self._report(done))

    @property
    def available(self) -> bool:
        return any(bind.transmitter is not None for bind in self.binds)

    def note(self, text: str) -> None:
        """An event of the connector's debug log (also logged; never holds credentials)."""
        self.events_log.append({"time": self.clock.now().isoformat(), "event": text})
        log.info("connector %s: %s", self.name, text)

    def _changed(self) -> None:
        if self.available:
            self.up_event.set()
        else:
            self.up_event.clear()

    def status(self) -> dict[str, Any]:
        up = sum(bind.transmitter is not None for bind in self.binds)
        return {
            "state": "up" if up == len(self.binds) else "degraded" if up else "down",
            "binds": [bind.status() for bind in self.binds],
            "counters": dict(self.counters) | {"unknown_receipts": self.correlation.unknown_receipts},
            "events": list(self.events_log),
        }

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)

    # --- submitting ----------------------------------------------------------------------------

    def _pick(self) -> Bind | None:
        ready = [bind for bind in self.binds if bind.transmitter is not None]
        return ready[next(self._next_bind) % len(ready)] if ready else None

    async def submit(self, messages: Sequence[OutboundMessage]) -> list[SubmitResult]:
        outcomes = await asyncio.gather(*(self._submit_one(message) for message in messages))
        results = [result for result, _ids in outcomes]
        accepted = [segment_ids for result, segment_ids in outcomes if result.accepted]
        try:
            early = await self.correlation.submitted(accepted)
        except Exception:  # the ids are not stored: the receipts would be lost, so send again
            log.exception("connector %s: storing %d submit ids failed; messages will be submitted again", self.name, len(accepted))
            return [SubmitResult(result.message_uuid, False, retry_after=DOWN_RETRY) for result in results]
        by_id = {receipt.carrier_message_id: receipt for receipt in early}
        return [dataclasses.replace(result, receipt=by_id[result.carrier_message_id]) if result.carrier_message_id in by_id else result
                for result in results]

    async def _submit_one(self, message: OutboundMessage) -> tuple[SubmitResult, list[str]]:
        segments = concat.segments(message, self.config, next(self._references) & 0xFF)
        segment_ids: list[str] = []
        retries = 0
        while len(segment_ids) < len(segments):
            bind = self._pick()
            if bind is None or bind.transmitter is None:
                if not segment_ids:
                    return SubmitResult(message.message_uuid, False, retry_after=DOWN_RETRY), []
                await self._wait_up()
                continue
            outcome = await self._submit_segment(bind, bind.transmitter, message, segments[len(segment_ids)])
            if isinstance(outcome, str):
                segment_ids.append(outcome)
                continue
            kind, value = outcome
            if kind == "failed":
                self.counters["failed"] += 1
                return SubmitResult(message.message_uuid, False, error_code=value), []
            if not segment_ids or retries >= SEGMENT_RETRIES:  # the whole message goes back to the queue
                self.counters["requeued"] += 1
                return SubmitResult(message.message_uuid, False, retry_after=value), []
            retries += 1  # later segment of a partly sent message: retry it here, not from the start
            await self.clock.sleep(value)
        self.counters["accepted"] += 1
        return SubmitResult(message.message_uuid, True, carrier_message_id=segment_ids[0]), segment_ids

    async def _wait_up(self) -> None:
        waiter = asyncio.ensure_future(self.up_event.wait())
        if not await self.clock.wait(waiter, DOWN_RETRY):
            waiter.cancel()

    async def _submit_segment(self, bind: Bind, session: Session, message: OutboundMessage,
                              segment: concat.Segment) -> str | tuple[str, Any]:
        """The segment's normalised message id, or ``("failed", plivo_code)`` / ``("retry", seconds)``."""
        await bind.throttle.take()
        src = self.config.source_ton(message.src)
        try:
            response = await session.request(
                "submit_sm", service_type=self.config.service_type, source_addr_ton=src.ton, source_addr_npi=src.npi,
                source_addr=message.src, dest_addr_ton=self.config.destination.ton, dest_addr_npi=self.config.destination.npi,
                destination_addr=message.dst, esm_class=segment.esm_class, registered_delivery=self.config.registered_delivery,
                data_coding=concat.data_coding(message, self.config), short_message=segment.short_message, **segment.tlvs)
        except SessionClosed:
            return "retry", DOWN_RETRY
        except ResponseTimeout:
            if self.config.on_timeout == "fail":
                return "failed", 20
            return "retry", DOWN_RETRY
        except pdu.PduError as exc:  # a generic_nack, or a response we cannot read
            self.note(f"submit of {message.message_uuid} rejected: {exc}")
            return "failed", 1000
        code = response.status
        if code == pdu.ROK:
            bind.throttle.accepted()
            return ids.canonical(pdu.text(getattr(response, "message_id", b"")), self.config.submit_id_format)
        if code in status.RETRY:
            self.counters["throttled"] += 1
            return "retry", bind.throttle.throttled()
        if code in status.REBIND:
            session.abort("the SMSC says the bind is not valid")
            return "retry", DOWN_RETRY
        if code in status.TEMPORARY:
            return "retry", DOWN_RETRY * 2
        return "failed", status.plivo_error(code)

    # --- receiving -----------------------------------------------------------------------------

    async def _deliver(self, session: Session, message: Any) -> None:
        if receipts.is_receipt(message):
            receipt = receipts.parse(message)
            state, error_code = receipts.plivo_state(receipt.stat) if receipt else (None, None)
            if receipt is None or state is None:
                if receipt is None:
                    self.note("a delivery receipt without a message id was ignored")
                session.respond("deliver_sm_resp", message.sequence)
                return
            carrier_id = ids.normalise(receipt.message_id, self.config.receipt_id_format, self.config.submit_id_format)
            await self._receipts.put((session, message.sequence, carrier_id, state, error_code))
            return
        await self._mo(session, message)

    async def _mo(self, session: Session, message: Any) -> None:
        try:
            part, text = concat.mo_content(message)
        except concat.BrokenUdh as exc:
            self.counters["broken_mo"] += 1
            self.note(f"inbound message from {pdu.text(message.source_addr)} refused: {exc}")
            session.respond("deliver_sm_resp", message.sequence, pdu.RX_P_APPN)
            return
        inbound = InboundSms(src=pdu.text(message.source_addr).lstrip("+"), dst=pdu.text(message.destination_addr).lstrip("+"),
                             text=text, part=part, carrier=self.name)
        try:
            assert self._events is not None
            await self._events.inbound(self.name, inbound)
        except Exception:
            log.exception("connector %s: storing an inbound message failed; the SMSC will retry", self.name)
            session.respond("deliver_sm_resp", message.sequence, pdu.RX_T_APPN)
            return
        self.counters["inbound"] += 1
        session.respond("deliver_sm_resp", message.sequence)

    async def _receipt_loop(self) -> None:
        """Receipts are stored in batches (one transaction per batch) and each deliver_sm is
        answered as soon as its batch is in the correlation table; the completed messages are
        reported to the pipeline after that (again at the next start by :meth:`resume` if that
        report is lost), so the SMSC's deliver_sm window is not held by the pipeline's writes.
        A batch that cannot be stored is answered with a temporary error: the SMSC sends it again."""
        while True:
            batch = [await self._receipts.get()]
            while len(batch) < RECEIPT_BATCH and not self._receipts.empty():
                batch.append(self._receipts.get_nowait())
            try:
                done = await self.correlation.received([(carrier_id, state, error) for _s, _q, carrier_id, state, error in batch])
                answer = pdu.ROK
                self.counters["receipts"] += len(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("connector %s: storing %d receipts failed; the SMSC will send them again", self.name, len(batch))
                answer, done = pdu.RX_T_APPN, []
            for session, sequence, *_rest in batch:
                session.respond("deliver_sm_resp", sequence, answer)
            if done:
                self._spawn(self._report(done))

    async def _report(self, done: list[DeliveryReceipt], attempts: int = 5) -> None:
        assert self._events is not None
        for attempt in range(attempts):
            try:
                await self._events.receipts(self.name, done)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("connector %s: reporting %d receipts failed (attempt %d)", self.name, len(done), attempt + 1)
                await self.clock.sleep(2.0**attempt)

    async def _expire_loop(self) -> None:
        while True:
            await self.clock.sleep(EXPIRE_EVERY)
            try:
                await self.correlation.expire()
            except Exception:
                log.exception("connector %s: expiring old receipt ids failed", self.name)

