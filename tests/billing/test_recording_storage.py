"""Recording storage: charged on the last day of each month (the account's timezone) for
recordings kept more than the free days, per rounded minute at the table's storage rate, once per
recording and month; a recording deleted before that day is not charged; the Recording object
shows the rate and the latest month's amount (Plivo's worked example: 50 s, 119 s and 150 s
recordings at 0.0004)."""

import asyncio
import calendar
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from switchboard.billing.rating import rate_storage
from switchboard.pricing.table import DEFAULT_PATH, RateTableError, load_rate_table
from switchboard.voice.recording.models import Recording
from tests.billing.conftest import Books, Months
from tests.helpers import LiveServer, MainAccount, use_rate_table

SHIPPED = '[recording]\ntranscription = "0.00000"\nstorage = "0.00000"\nstorage_free_days = 90\n'


def table_with(tmp_path: Path, recording: str) -> Path:
    shipped = DEFAULT_PATH.read_text()
    assert SHIPPED in shipped
    path = tmp_path / "rates.toml"
    path.write_text(shipped.replace(SHIPPED, recording))
    return path


@pytest.fixture
def storage_priced(tmp_path: Path) -> Iterator[None]:
    use_rate_table(str(table_with(tmp_path, '[recording]\nstorage = "0.00040"\n')))
    try:
        yield
    finally:
        use_rate_table(None)


def test_storage_is_priced_per_rounded_minute(tmp_path: Path) -> None:
    table = load_rate_table(table_with(tmp_path, '[recording]\nstorage = "0.00040"\nstorage_free_days = 30\n'))
    assert (table.storage, table.storage_free_days) == (Decimal("0.00040"), 30)
    assert [rate_storage(ms, table)[1] for ms in (0, 50_000, 60_000, 119_000, 150_000)] == [
        Decimal("0.00040"), Decimal("0.00040"), Decimal("0.00040"), Decimal("0.00080"), Decimal("0.00120")]
    shipped = load_rate_table(DEFAULT_PATH)
    assert (shipped.storage, shipped.storage_free_days) == (Decimal(0), 90)
    for bad in ('storage = "-1"', 'storage = "lots"', "storage_free_days = -3", 'storage_free_days = "90"'):
        with pytest.raises(RateTableError, match="recording.storage"):
            load_rate_table(table_with(tmp_path, f"[recording]\n{bad}\n"))


def add_recording(server: LiveServer, account: MainAccount, duration_ms: int) -> str:
    """A completed recording made now (how recordings are made is tested in tests/voice/recording)."""
    recording_id = str(uuid.uuid4())

    async def run(app: Any) -> None:
        async with app.state.db.session() as session:
            now = app.state.clock.now()
            start = int(now.timestamp() * 1000)
            session.add(Recording(recording_id=recording_id, account_id=account.auth_id, call_uuid=str(uuid.uuid4()),
                                  state="completed", add_time=now, recording_start_ms=start,
                                  recording_end_ms=start + duration_ms, recording_duration_ms=duration_ms))
            await session.commit()

    server.call(run)
    return recording_id


def recording_object(server: LiveServer, account: MainAccount, recording_id: str) -> dict[str, Any]:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/Recording/{recording_id}/")
    assert response.status_code == 200, response.text
    return response.json()


def storage_rows(books: Books, auth_id: str) -> list[tuple[str, Decimal, int | None, str]]:
    """The account's storage charges, by month, then recording id."""
    return sorted(((row.resource_id, row.amount, row.quantity, row.idempotency_key)
                   for row in books.rows(auth_id) if row.resource_type == "recording_storage"),
                  key=lambda row: (row[0].rpartition(":")[2], row[0]))


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def months_after(day: date, months: int) -> tuple[int, int]:
    index = day.month - 1 + months
    return day.year + index // 12, index % 12 + 1


def test_recordings_kept_past_ninety_days_are_charged_on_each_month_end(
        billing_server: LiveServer, months: Months, storage_priced: None) -> None:
    books = Books(billing_server)
    here, ahead = billing_server.new_main_account(), billing_server.new_main_account()
    with billing_server.http(ahead) as http:
        assert http.post(f"/v1/Account/{ahead.auth_id}/", json={"timezone": "Pacific/Kiritimati"}).status_code == 202
    # Recorded on the 10th at noon UTC: 90 days later is mid-month, so the first month end past
    # the free days is the same in both timezones, three months on.
    months.advance_to(months.next_month(day=10, hour=12))
    recorded = months.now()
    first, second, third = (add_recording(billing_server, here, ms) for ms in (50_000, 119_000, 150_000))
    far = add_recording(billing_server, ahead, 61_000)
    assert recording_object(billing_server, here, first)["monthly_recording_storage_amount"] == 0

    too_soon = last_day(*months_after(recorded.date(), 2))  # 80-odd days: within the free days
    months.advance_to(datetime.combine(too_soon, time(12), UTC))
    months.renew()
    assert storage_rows(books, here.auth_id) == [] and storage_rows(books, ahead.auth_id) == []

    due = last_day(*months_after(recorded.date(), 3))
    months.advance_to(datetime.combine(due - timedelta(days=2), time(12), UTC))
    with billing_server.http(here) as http:
        assert http.delete(f"/v1/Account/{here.auth_id}/Recording/{third}/").status_code == 204

    # The last day has begun in UTC+14, not yet in UTC.
    months.advance_to(datetime.combine(due, time(1), ZoneInfo("Pacific/Kiritimati")).astimezone(UTC))
    months.renew()
    month = f"{due.year:04d}-{due.month:02d}"
    assert storage_rows(books, ahead.auth_id) == [
        (f"{far}:{month}", Decimal("-0.00080"), 2, f"recording_storage:{far}:{month}")]
    assert storage_rows(books, here.auth_id) == []

    months.advance_to(datetime.combine(due, time(0, 30), UTC))

    async def two_nodes(app: Any) -> None:  # two passes at once, as two nodes would run them
        await asyncio.gather(app.state.billing.run_once(), app.state.billing.run_once())

    billing_server.call(two_nodes)
    months.renew()
    assert storage_rows(books, here.auth_id) == sorted([
        (f"{first}:{month}", Decimal("-0.00040"), 1, f"recording_storage:{first}:{month}"),
        (f"{second}:{month}", Decimal("-0.00080"), 2, f"recording_storage:{second}:{month}")])
    shown = recording_object(billing_server, here, second)
    assert (shown["recording_storage_rate"], shown["monthly_recording_storage_amount"]) == (0.0004, 0.0008)
    assert shown["rounded_recording_duration"] == 120
    assert shown["recording_storage_duration"] == (months.now() - recorded).days + 1 > 90
    assert books.balance(here.auth_id) == Decimal("-0.00120")

    following = last_day(*months_after(due, 1))
    months.advance_to(datetime.combine(following, time(0, 30), UTC))
    months.renew()
    later = f"{following.year:04d}-{following.month:02d}"
    assert [key for *_, key in storage_rows(books, here.auth_id)] == [
        f"recording_storage:{recording}:{when}" for when in (month, later) for recording in sorted((first, second))]
    assert books.balance(here.auth_id) == Decimal("-0.00240")

    with billing_server.http(here) as http:
        report = http.get(f"/v1/Account/{here.auth_id}/Usage/",
                          params={"start_date": following.replace(day=1).isoformat(),
                                  "end_date": following.isoformat()}).json()
    assert [(line["service"], line["count"], line["quantity"], line["unit"], line["amount"])
            for line in report["usage"]] == [("recordings", 2, "3", "minutes", "0.00120")]


def test_nothing_is_charged_at_the_shipped_rate(billing_server: LiveServer, months: Months) -> None:
    books = Books(billing_server)
    holder = billing_server.new_main_account()
    months.advance_to(months.next_month(day=10, hour=12))
    recording = add_recording(billing_server, holder, 30_000)
    months.advance_to(datetime.combine(last_day(*months_after(months.now().date(), 4)), time(12), UTC))
    months.renew()
    assert storage_rows(books, holder.auth_id) == []
    shown = recording_object(billing_server, holder, recording)
    assert (shown["recording_storage_rate"], shown["monthly_recording_storage_amount"]) == (0.0, 0.0)
