"""The message pipeline of a node: accepts sends, dispatches queued messages to their connector
at their sender's pace, applies receipts, stores inbound messages and posts them to applications.

Every piece of work the pipeline owes is a row of ``messages`` with ``dispatch_at`` set, and every
state change is committed together with its status callback (see ``callbacks.py``), so after a
crash the pipeline resumes from the database: queued messages are dispatched, inbound ones posted,
and the connectors are told which accepted messages still wait for a receipt.
"""

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.core.clock import Clock
from switchboard.messaging.callbacks import outbox_row
from switchboard.messaging.charges import MessageBilling
from switchboard.core.sms_encoding import segment
from switchboard.messaging.inbound import app_params, application_of, reassemble, store_inbound, xml_replies
from switchboard.messaging.media import fetch_inbound_media
from switchboard.messaging.models import InboundPart, Media, Message, MessageMedia
from switchboard.messaging.ratelimit import SenderSchedule, sender_kind
from switchboard.messaging.rows import MESSAGES, MessageRow, load_rows, select_rows, store_rows
from switchboard.messaging.send import INTERNAL, Outgoing, Prepared, prepare_outgoing, sender_number, write_prepared
from switchboard.network.connector import ConnectorSet, DeliveryReceipt, InboundMedia, InboundSms, OutboundMessage, SubmitResult
from switchboard.numbers.models import RentedNumber
from switchboard.webhooks import enqueue
from switchboard.webhooks.service import Webhooks

log = logging.getLogger("switchboard.messaging")
BATCH = 500
APP_LEASE = timedelta(seconds=120)
PART_TTL = timedelta(minutes=10)
EARLY_RECEIPT_SECONDS = 60.0
FINAL = ("delivered", "undelivered", "failed")
_NOTHING = Decimal(0)
LINGER = 0.01
"""Seconds the dispatcher waits after being woken, so that messages accepted together leave in one
transaction instead of one each."""


class Pipeline:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, webhooks: Webhooks,
                 connectors: ConnectorSet, schedule: SenderSchedule, public_url: str, media_http: httpx.AsyncClient,
                 billing: MessageBilling, app_concurrency: int = 32, single_writer: bool = False):
        self.sessionmaker = sessionmaker
        self.billing = billing
        self.media_http = media_http
        """Fetches the media of inbound MMS that carriers hand over by URL."""
        self.clock = clock
        self.webhooks = webhooks
        self.connectors = connectors
        self.schedule = schedule
        self.public_url = public_url
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._posting: set[str] = set()
        self._app_slots = asyncio.Semaphore(app_concurrency)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._early: list[tuple[float, str, DeliveryReceipt]] = []
        self._stopping = False
        self._no_lock = contextlib.nullcontext()
        self._next_part_sweep = 0.0
        self.write_lock: asyncio.Lock | contextlib.nullcontext[None] = asyncio.Lock() if single_writer else contextlib.nullcontext()
        """SQLite has one writer: the pipeline's transactions take turns here instead of sleeping in
        SQLite's busy handler (which backs off by up to 100 ms at a time). Take it before the
        transaction's first write: a transaction that has written holds SQLite's writer, and waiting
        here for a holder that waits for SQLite would stall both until the busy timeout (10 s)."""

    # --- life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        async with self.sessionmaker() as session:
            pending = await session.execute(
                select(Message.from_number, func.max(Message.dispatch_at), RentedNumber.number_type)
                .outerjoin(RentedNumber, RentedNumber.number == Message.from_number)
                .where(Message.dispatch_at.is_not(None), Message.message_direction == "outbound")
                .group_by(Message.from_number, RentedNumber.number_type)
            )
            for src, last, number_type in pending.all():
                self.schedule.restore(src, _aware(last), sender_kind(src, number_type))
        for connector in self.connectors.connectors.values():
            await connector.start(self)
        await self._resume_connectors()
        self._task = asyncio.create_task(self._run(), name="messaging-dispatch")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the transaction in progress (a task cancelled inside a SQLite write would keep
        the database locked), then stop; work not done stays in the database for the next start."""
        self._stopping = True
        self.wake()
        for connector in self.connectors.connectors.values():
            await connector.stop()
        tasks = [task for task in [self._task, *self._tasks] if task is not None]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resume_connectors(self) -> None:
        async with self.sessionmaker() as session:
            rows = (await session.scalars(select(Message).where(
                Message.message_direction == "outbound", Message.message_state == "sent",
                Message.carrier_message_id.is_not(None), Message.connector != INTERNAL))).all()
        by_connector: dict[str, list[OutboundMessage]] = defaultdict(list)
        for row in rows:
            by_connector[row.connector].append(self._outbound(row, []))
        for name, messages in by_connector.items():
            await self.connectors.get(name).resume(messages)

    # --- accepting -----------------------------------------------------------------------------

    async def prepare(self, session: AsyncSession, outs: Sequence[Outgoing], now: datetime,
                      refuse_unrated: bool = False) -> Prepared:
        """The rows of sends (reads only; see :func:`prepare_outgoing`)."""
        prepared = Prepared()
        for out in outs:
            sender = out.sender if out.sender is not None else await sender_number(session, out.owner, out.src)
            account_id = out.owner.account_id
            prepared.extend(await prepare_outgoing(session, out, sender, self.schedule,
                                                   lambda dst: self.connectors.route(account_id, dst), now,
                                                   self.billing, refuse_unrated))
        return prepared

    async def queue(self, session: AsyncSession, outs: Sequence[Outgoing], now: datetime) -> list[str]:
        """Store sends in the session's transaction (the caller commits, then calls :meth:`wake`)."""
        prepared = await self.prepare(session, outs, now)
        await write_prepared(session, prepared)
        return prepared.uuids

    # --- the dispatch loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before looking for work: a wake while we look must not be lost
            try:
                worked = await self.dispatch_outbound()
                worked += await self.dispatch_inbound()
                self._retry_early()
                await self._expire_parts()
                wait = 0.0 if worked >= BATCH else LINGER if worked else await self._idle_seconds()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("message dispatch failed; retrying")
                wait = 1.0
            if wait == LINGER:
                await asyncio.sleep(LINGER)  # more work is arriving: take it in one batch
            elif wait > 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                    await asyncio.sleep(LINGER)
                except TimeoutError:
                    pass

    async def _expire_parts(self) -> None:
        """Forget parts of concatenated inbound messages whose siblings never came (once a minute)."""
        now = time.monotonic()
        if now < self._next_part_sweep:
            return
        self._next_part_sweep = now + 60
        cutoff = self.clock.now() - PART_TTL
        async with self.sessionmaker() as session:
            async with self.write_lock:
                result = await session.execute(delete(InboundPart).where(InboundPart.received < cutoff))
                await session.commit()
        if result.rowcount:
            log.info("dropped %d parts of inbound messages that never completed", result.rowcount)

    async def _idle_seconds(self) -> float:
        async with self.sessionmaker() as session:
            due = await session.scalar(select(func.min(Message.dispatch_at)).where(Message.dispatch_at.is_not(None)))
        horizon = 0.5 if self._early else 1.0
        if due is None:
            return horizon
        return min(max((_aware(due) - self.clock.now()).total_seconds(), 0.005), horizon)

    def _media_urls(self, media_ids: list[str]) -> tuple[str, ...]:
        return tuple(f"{self.public_url}/media/{media_id}" for media_id in media_ids)

    def _outbound(self, row: Message | MessageRow, media_ids: list[str]) -> OutboundMessage:
        segmented = segment(row.text)
        return OutboundMessage(
            message_uuid=row.message_uuid, account_id=row.account_id, src=row.from_number, dst=row.to_number,
            text=row.text, encoding=segmented.encoding, parts=segmented.parts, message_type=row.message_type,
            media_urls=self._media_urls(media_ids), carrier_message_id=row.carrier_message_id,
        )

    async def dispatch_outbound(self) -> int:
        now = self.clock.now()
        async with self.sessionmaker() as session:
            rows = await load_rows(session, select_rows().where(
                MESSAGES.c.dispatch_at <= now, MESSAGES.c.message_direction == "outbound")
                .order_by(MESSAGES.c.dispatch_at).limit(BATCH).with_for_update(skip_locked=True))
            if not rows:
                return 0
            internal = [row for row in rows if row.connector == INTERNAL]
            if internal:  # internal delivery reads and writes as it goes: alone under the writer lock (the rest
                async with self.write_lock:  # next round, as connectors take that lock to store carrier ids)
                    return await self._dispatch(session, internal, now, self._no_lock)
            return await self._dispatch(session, rows, now, self.write_lock)

    def _paced(self, rows: list[MessageRow], now: datetime) -> list[MessageRow]:
        """The rows that may leave now at their sender's pace; the others get a later ``dispatch_at``."""
        verdicts = self.schedule.pace([(row.from_number, row.units, _aware(row.dispatch_at)) for row in rows], now)
        ready = []
        for row, later in zip(rows, verdicts):
            if later is None:
                ready.append(row)
            else:
                row.dispatch_at = later
        return ready

    async def _dispatch(self, session: AsyncSession, claimed: list[MessageRow], now: datetime, lock: Any) -> int:
        """Submit the claimed rows that may leave now; all of them are written back (the others with
        their later ``dispatch_at``), with the charges of those that left, in one transaction."""
        rows = self._paced(claimed, now)
        callbacks: list[dict[str, Any]] = []
        refused = await self.billing.admit(session, rows)
        if refused:
            for row in rows:
                if row.message_uuid in refused:
                    row.attempts += 1
                    row.dispatch_at = None
                    self._transition(row, "failed", now, callbacks, refused[row.message_uuid])
            rows = [row for row in rows if row.message_uuid not in refused]
        media = await self._media_of(session, [row.message_uuid for row in rows if row.message_type == "mms"])
        inbound: list[Message] = []
        groups: dict[str, list[MessageRow]] = defaultdict(list)
        for row in rows:
            groups[row.connector].append(row)
        for name, group in groups.items():
            if name == INTERNAL:
                inbound += await self._deliver_internally(session, group, media, now, callbacks)
                continue
            name = self.connectors.pick(name)  # a connector that is down hands its messages to its failover
            for row in group:
                row.connector = name
            results = await self.connectors.get(name).submit([self._outbound(row, media.get(row.message_uuid, [])) for row in group])
            for row, result in zip(group, results):
                self._apply_submit(row, result, now, callbacks)
        charges = self.billing.charges([row for row in rows if row.sent_time is not None], now)
        async with lock:
            await self._finish(session, callbacks, claimed, charges)
        if self._early:  # receipts that overtook these submits can be applied now
            self._retry_early(delay=0.0)
        for message in inbound:
            self._after_inbound(message)
        return len(rows)

    async def _media_of(self, session: AsyncSession, uuids: list[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        if uuids:
            links = await session.execute(select(MessageMedia.message_uuid, MessageMedia.media_id)
                                          .where(MessageMedia.message_uuid.in_(uuids)).order_by(MessageMedia.position))
            for uuid, media_id in links.all():
                found[uuid].append(media_id)
        return found

    def _transition(self, row: MessageRow, state: str, now: datetime, callbacks: list[dict[str, Any]], error_code: int | None = None) -> None:
        row.message_state = state
        row.updated_time = now
        if state == "sent":
            row.sent_time = now
        if state in FINAL or state == "received":
            row.delivery_time = now
        if error_code is not None:
            row.error_code = error_code
        if state in FINAL and row.sent_time is None:
            row.total_amount = _NOTHING  # it never left: not charged
        if state in ("sent", *FINAL) and not row.log:
            row.text = ""
        row.sequence += 1
        callback = outbox_row(row, now)
        if callback is not None:
            callbacks.append(callback)

    def _apply_submit(self, row: MessageRow, result: SubmitResult, now: datetime, callbacks: list[dict[str, Any]]) -> None:
        row.attempts += 1
        if result.retry_after is not None:
            row.dispatch_at = now + timedelta(seconds=result.retry_after)
            return
        row.dispatch_at = None
        if result.accepted:
            row.carrier_message_id = result.carrier_message_id
            self._transition(row, "sent", now, callbacks)
            if result.receipt is not None and result.receipt.state != "sent":
                self._apply_receipt(row, result.receipt, now, callbacks)
        else:
            self._transition(row, "failed", now, callbacks, result.error_code or 1000)

    async def _deliver_internally(self, session: AsyncSession, rows: list[MessageRow], media: dict[str, list[str]],
                                  now: datetime, callbacks: list[dict[str, Any]]) -> list[Message]:
        """A message between two Switchboard numbers: sent and delivered at once, and received (an
        MMS with copies of its files, which the receiving account owns)."""
        received = []
        for row in rows:
            row.attempts += 1
            row.dispatch_at = None
            target = await session.get(RentedNumber, row.to_number)
            if target is None or not target.sms_enabled:
                self._transition(row, "failed", now, callbacks, 50)
                continue
            text = row.text
            row.carrier_message_id = f"internal-{row.message_uuid}"
            self._transition(row, "sent", now, callbacks)
            self._transition(row, "delivered", now, callbacks)
            files = await _files(session, media.get(row.message_uuid, []))
            stored = await store_inbound(session, InboundSms(src=row.from_number, dst=row.to_number, text=text,
                                                             message_type=row.message_type, media=files), text, INTERNAL, now,
                                         self.billing)
            if stored is not None:
                await self.queue(session, stored.replies, now)
                received.append(stored.message)
        return received

    async def _finish(self, session: AsyncSession, callbacks: list[dict[str, Any]], rows: Sequence[MessageRow],
                      charges: Sequence[dict[str, Any]] = ()) -> None:
        leased = self.webhooks.lease(callbacks)
        await store_rows(session, rows)
        await self.billing.write(session, charges)
        await enqueue(session, callbacks)
        await session.commit()
        self.webhooks.hand_over(leased)

    # --- receipts (ConnectorEvents) --------------------------------------------------------------

    async def receipts(self, connector: str, receipts: Sequence[DeliveryReceipt]) -> None:
        now = self.clock.now()
        callbacks: list[dict[str, Any]] = []
        async with self.sessionmaker() as session:
            by_id: dict[str, MessageRow] = {}
            ids = [receipt.carrier_message_id for receipt in receipts]
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                for row in await load_rows(session, select_rows().where(  # ids are unique per connector only
                        MESSAGES.c.carrier_message_id.in_(chunk), MESSAGES.c.connector == connector)):
                    by_id[row.carrier_message_id or ""] = row
            changed: dict[str, MessageRow] = {}
            for receipt in receipts:
                row = by_id.get(receipt.carrier_message_id)
                if row is None:  # the receipt overtook the commit of its submit: try again shortly
                    self._early.append((time.monotonic() + EARLY_RECEIPT_SECONDS, connector, receipt))
                    continue
                if self._apply_receipt(row, receipt, now, callbacks):
                    changed[row.message_uuid] = row
            async with self.write_lock:
                await self._finish(session, callbacks, list(changed.values()))

    def _apply_receipt(self, row: MessageRow, receipt: DeliveryReceipt, now: datetime, callbacks: list[dict[str, Any]]) -> bool:
        """Whether the receipt moved the message on."""
        if row.message_state != "sent" or receipt.state == "sent":
            return False  # a duplicate, or a regression: states only move forward
        self._transition(row, receipt.state, now, callbacks, receipt.error_code if receipt.state != "delivered" else None)
        return True

    def _retry_early(self, delay: float = 0.2) -> None:
        if not self._early:
            return
        now = time.monotonic()
        pending, self._early = self._early, []
        by_connector: dict[str, list[DeliveryReceipt]] = defaultdict(list)
        for deadline, connector, receipt in pending:
            if deadline < now:
                log.warning("dropping a receipt for unknown carrier message id %s", receipt.carrier_message_id)
            else:
                by_connector[connector].append(receipt)
        for connector, receipts in by_connector.items():
            self._spawn(self._retry_receipts(connector, receipts, delay))

    async def _retry_receipts(self, connector: str, receipts: list[DeliveryReceipt], delay: float) -> None:
        await asyncio.sleep(delay)
        await self.receipts(connector, receipts)

    # --- inbound (ConnectorEvents) ---------------------------------------------------------------

    async def inbound(self, connector: str, message: InboundSms) -> str | None:
        if message.media_urls:  # fetched before the transaction: it holds the single writer on SQLite
            message = replace(message, media_urls=(),
                              media=message.media + await fetch_inbound_media(self.media_http, message.media_urls))
        now = self.clock.now()
        async with self.write_lock, self.sessionmaker() as session:
            text = message.text if message.part is None else await reassemble(session, message, now)
            if text is None:
                await session.commit()
                return None
            stored = await store_inbound(session, message, text, connector, now, self.billing)
            if stored is None:
                log.info("inbound message to %s dropped: no account holds that number", message.dst)
                await session.commit()
                return None
            await self.queue(session, stored.replies, now)
            await session.commit()
        self._after_inbound(stored.message)
        return stored.message.message_uuid

    def _after_inbound(self, message: Message) -> None:
        self.wake()

    async def dispatch_inbound(self) -> int:
        """Post due inbound messages to their application (each in its own task)."""
        now = self.clock.now()
        async with self.sessionmaker() as session:
            rows = list((await session.scalars(
                select(Message).where(Message.dispatch_at <= now, Message.message_direction == "inbound")
                .order_by(Message.dispatch_at).limit(BATCH).with_for_update(skip_locked=True)
            )).all())
            rows = [row for row in rows if row.message_uuid not in self._posting]
            if not rows:
                return 0
            for row in rows:
                row.dispatch_at = now + APP_LEASE
                self._posting.add(row.message_uuid)
            async with self.write_lock:
                await session.commit()
        for row in rows:
            self._spawn(self._post_to_app(row.message_uuid))
        return len(rows)

    async def _post_to_app(self, message_uuid: str) -> None:
        try:
            async with self._app_slots:
                await self._post(message_uuid)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("posting inbound message %s to its application failed", message_uuid)
        finally:
            self._posting.discard(message_uuid)

    async def _post(self, message_uuid: str) -> None:
        async with self.sessionmaker() as session:
            row = await session.get(Message, message_uuid)
            if row is None or row.dispatch_at is None:
                return
            app = await application_of(session, row.to_number)
            media = (await self._media_of(session, [message_uuid])).get(message_uuid, [])
        if app is None or not app.message_url:
            result_ok, body = False, b""
        else:
            result = await self.webhooks.fetch(app.message_url, app_params(row, list(self._media_urls(media))),
                                               account=row.sub_account_id or row.account_id, method=app.message_method,
                                               check=None, event="message")
            result_ok, body = result.ok, result.body
        now = self.clock.now()
        async with self.write_lock, self.sessionmaker() as session:
            row = await session.get(Message, message_uuid)
            if row is None or row.dispatch_at is None:
                return
            row.dispatch_at = None
            row.message_state = "delivered" if result_ok else "undelivered"
            row.updated_time = now
            row.delivery_time = now
            if not result_ok:
                row.error_code = 20 if app is not None else 90
            replies = await xml_replies(session, body, row) if result_ok and body.strip() else []
            await self.queue(session, replies, now)
            await session.commit()
        if replies:
            self.wake()


async def _files(session: AsyncSession, media_ids: list[str]) -> tuple[InboundMedia, ...]:
    """The files of an MMS, to be stored again for the account that receives it."""
    rows = [await session.get(Media, media_id) for media_id in media_ids]
    return tuple(InboundMedia(row.content_type, row.content, row.file_name) for row in rows if row is not None)


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    from datetime import timezone

    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
