"""Writing call records: inserted when a call starts (before ``POST Call/`` answers), completed
when it ends."""

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.voice.call import LiveCall
from switchboard.voice.models import CallRecord


async def insert_record(sessionmaker: async_sessionmaker[AsyncSession], calls: list[LiveCall]) -> None:
    async with sessionmaker() as session:
        await add_records(session, calls)
        await session.commit()


async def add_records(session: AsyncSession, calls: list[LiveCall]) -> None:
    """The records of new calls, in ``session``'s transaction (a Core insert: no unit of work)."""
    await session.execute(insert(CallRecord), [
        dict(call_uuid=call.call_uuid, request_uuid=call.request_uuid, account_id=call.account_id,
             sub_account_id=call.sub_account_id, direction=call.direction, from_number=call.from_,
             to_number=call.to, caller_name=call.caller_name, status=call.status,
             parent_call_uuid=call.parent_call_uuid, answer_url=call.urls.answer_url,
             initiation_time=call.initiation_time, total_rate=call.bill_rate)
        for call in calls
    ])


async def complete_record(sessionmaker: async_sessionmaker[AsyncSession], call: LiveCall, duration: int,
                          bill_duration: int, billed: int) -> None:
    assert call.cause is not None
    async with sessionmaker() as session:
        await session.execute(
            update(CallRecord).where(CallRecord.call_uuid == call.call_uuid).values(
                status=call.final_status(), answer_time=call.answer_time, end_time=call.end_time,
                call_duration=duration, bill_duration=bill_duration, billed_duration=billed,
                hangup_cause_code=call.cause.code, hangup_cause_name=call.cause.name, hangup_cause=call.cause.q850,
                hangup_source=call.hangup_source, total_rate=call.bill_rate, total_amount=call.total_amount(billed),
            )
        )
        await session.commit()
