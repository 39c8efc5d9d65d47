"""Recording storage: charged on the last day of each month, per recording kept longer than the
rate table's ``storage_free_days`` (Plivo: 90), at ``[recording] storage`` per minute of recording
(whole minutes, at least one: ``rounded_recording_duration``).

The month is the main account's: its last day begins at local midnight in the account's timezone.
A recording is due for a month when, as that last day begins, it has been kept more than the free
days. The pass charges the latest month whose last day has begun, so a server that was down over a
month end charges it on its first pass of the next month (dated then); months further back are
not charged afterwards. A deleted recording is not charged for a month whose pass did not reach it.

Each recording is charged once per month: a conditional UPDATE claims it (``storage_month`` moves
to that month) and the ledger row goes in the same transaction, keyed
``recording_storage:<recording>:<YYYY-MM>``; a second node, a restarted pass or a recording deleted
meanwhile finds nothing to claim.
"""

import calendar
import logging
from datetime import date, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.accounts.models import Account
from switchboard.billing.rating import rate_storage, rounded_recording_minutes
from switchboard.billing.models import CHARGE
from switchboard.billing.service import ledger_insert, ledger_row
from switchboard.billing.usage import aware, day_start, zone_of
from switchboard.core.clock import Clock
from switchboard.pricing.table import RateTable, rate_table
from switchboard.voice.recording.models import Recording

log = logging.getLogger("switchboard.billing")
RECORDING_STORAGE = "recording_storage"
BATCH = 500
_AHEAD = timedelta(hours=14)  # no timezone is further ahead of UTC (Pacific/Kiritimati)


def last_day_begun(today: date) -> date:
    """The last day of the latest month whose last day has begun by ``today``."""
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return last if today == last else today.replace(day=1) - timedelta(days=1)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


async def charge_storage(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
                         table: RateTable | None = None) -> int:
    """Charge every recording due for the latest month end; how many were charged here."""
    table = table or rate_table()
    if table.storage <= 0:
        return 0
    now = clock.now()
    newest = _month(last_day_begun((now + _AHEAD).date()))
    candidates = (
        select(Recording.recording_id, Recording.account_id, Recording.sub_account_id, Recording.add_time,
               Recording.recording_duration_ms, Account)
        .join(Account, Account.auth_id == Recording.account_id)
        .where(Recording.state == "completed",
               Recording.add_time < now - timedelta(days=table.storage_free_days - 1),
               or_(Recording.storage_month.is_(None), Recording.storage_month < newest))
        .order_by(Recording.recording_id))
    charged, after = 0, ""
    async with sessionmaker() as session:
        while True:
            rows = (await session.execute(candidates.where(Recording.recording_id > after).limit(BATCH))).all()
            if not rows:
                break
            after = rows[-1].recording_id
            for row in rows:
                zone = zone_of(row.Account)
                last = last_day_begun(now.astimezone(zone).date())
                if aware(row.add_time) >= day_start(last, zone) - timedelta(days=table.storage_free_days):
                    continue
                month = _month(last)
                minutes = rounded_recording_minutes(row.recording_duration_ms)
                cost = rate_storage(row.recording_duration_ms, table)[1]
                claimed = await session.execute(
                    update(Recording).where(Recording.recording_id == row.recording_id, Recording.state == "completed",
                                            or_(Recording.storage_month.is_(None), Recording.storage_month < month))
                    .values(storage_month=month, storage_amount=cost).execution_options(synchronize_session=False))
                if not claimed.rowcount:
                    continue
                resource = f"{row.recording_id}:{month}"
                written = await session.execute(ledger_insert(session.bind.dialect.name), ledger_row(
                    row.account_id, row.sub_account_id, CHARGE, RECORDING_STORAGE, resource, -cost, now,
                    f"{RECORDING_STORAGE}:{resource}", quantity=minutes))
                charged += written.rowcount or 0
            await session.commit()
    if charged:
        log.info("recording storage: %d recording-months charged", charged)
    return charged
