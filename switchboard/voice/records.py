"""Writing call records: inserted when a call starts (before ``POST Call/`` answers), completed
when it ends. An answered leg's charge goes into the billing ledger in the transaction that
completes its record, keyed by the call's uuid: a record is never closed without its charge, and
a completion written twice (retried after a lost answer) charges once.

Writes go through :class:`RecordWriter`, a group commit: a write waits for its transaction, and
the writes that arrive while one transaction runs share the next. An idle server commits each
write at once; a busy one pays one transaction for many calls instead of one per call (the
database round trips were the largest CPU cost per call).
"""

import asyncio
import logging
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchboard.billing.service import charge_row, ledger_insert
from switchboard.voice.call import LiveCall
from switchboard.voice.models import CallRecord

log = logging.getLogger("switchboard.voice")
CALLS = CallRecord.__table__
ENDING = ("status", "answer_time", "end_time", "call_duration", "bill_duration", "billed_duration", "hangup_cause_code",
          "hangup_cause_name", "hangup_cause", "hangup_source", "total_rate", "total_amount", "conference_uuid")
Rows = dict[str, list[dict[str, Any]]]  # "insert" / "complete" / "charge" -> rows
COMPLETION = update(CALLS).where(CALLS.c.call_uuid == bindparam("uuid")).values(
    {name: bindparam(f"new_{name}") for name in ENDING})


def new_row(call: LiveCall) -> dict[str, Any]:
    return dict(call_uuid=call.call_uuid, request_uuid=call.request_uuid, account_id=call.account_id,
                sub_account_id=call.sub_account_id, direction=call.direction, from_number=call.from_,
                to_number=call.to, caller_name=call.caller_name, status=call.status,
                parent_call_uuid=call.parent_call_uuid, answer_url=call.urls.answer_url,
                initiation_time=call.initiation_time, total_rate=call.bill_rate,
                stir_attestation=call.stir_attestation, source_ip=call.source_ip)


def completion_row(call: LiveCall, duration: int, bill_duration: int, billed: int) -> dict[str, Any]:
    assert call.cause is not None
    values = (call.final_status(), call.answer_time, call.end_time, duration, bill_duration, billed, call.cause.code,
              call.cause.name, call.cause.q850, call.hangup_source, call.bill_rate, call.total_amount(billed),
              call.conference_uuid)
    return {"uuid": call.call_uuid, **{f"new_{name}": value for name, value in zip(ENDING, values)}}


def charges(call: LiveCall, billed: int) -> list[dict[str, Any]]:
    """The ledger row of an answered leg (at its rate, even 0); none for a leg never answered."""
    if not call.answered:
        return []
    assert call.end_time is not None
    return [charge_row(call.account_id, call.sub_account_id, "call", call.call_uuid, call.total_amount(billed),
                       call.end_time, country_iso=call.tariff.country, direction=call.direction, quantity=billed)]


class RecordWriter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]):
        self.engine: AsyncEngine = sessionmaker.kw["bind"]
        self._queue: list[tuple[Rows, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def insert(self, calls: list[LiveCall]) -> None:
        """The records of new calls, committed when this returns."""
        await self._submit({"insert": [new_row(call) for call in calls]})

    async def complete(self, call: LiveCall, duration: int, bill_duration: int, billed: int) -> None:
        """A call's end (status, times, cause, cost) and its charge, committed when this returns."""
        await self._submit({"complete": [completion_row(call, duration, bill_duration, billed)],
                            "charge": charges(call, billed)})

    async def _submit(self, rows: "Rows") -> None:
        done = asyncio.get_running_loop().create_future()
        done.add_done_callback(lambda future: future.cancelled() or future.exception())  # a cancelled writer's failure is not news
        self._queue.append((rows, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="call-records")
        await asyncio.shield(done)  # a cancelled caller's row is still written

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await self._write(batch)
            except IntegrityError as exc:
                if len(batch) == 1:
                    _settle(batch, exc)
                    continue
                for item in batch:  # one bad row must not fail its neighbours
                    try:
                        await self._write([item])
                    except Exception as single:
                        _settle([item], single)
                    else:
                        _settle([item], None)
            except Exception as exc:  # the database, not a row (locked, unreachable): writers retry
                _settle(batch, exc)
            else:
                _settle(batch, None)

    async def _write(self, batch: list[tuple["Rows", "asyncio.Future[None]"]]) -> None:
        inserts, completions, charged = ([row for rows, _ in batch for row in rows.get(kind, ())]
                                         for kind in ("insert", "complete", "charge"))
        async with self.engine.begin() as connection:  # Core: no ORM session (and its reference cycles) per write
            if inserts:
                await connection.execute(insert(CALLS), inserts)
            if completions:
                await connection.execute(COMPLETION, completions)
            if charged:
                await connection.execute(ledger_insert(connection.dialect.name), charged)



def _settle(batch: list[tuple["Rows", "asyncio.Future[None]"]], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
