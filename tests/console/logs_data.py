"""Rows for the Logs tests, written straight into the test server's database (call records and
messages as the engine writes them), so that paging and filters have enough to work on."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from switchboard.core.ids import new_uuid
from switchboard.messaging.models import Message
from switchboard.voice.models import CallRecord
from tests.helpers import LiveServer

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def call_row(account_id: str, index: int, *, sub: str | None = None, end: datetime | None = None, **extra: Any) -> dict[str, Any]:
    end = end or START + timedelta(minutes=index)
    return {
        "call_uuid": new_uuid(), "request_uuid": new_uuid(), "account_id": account_id, "sub_account_id": sub,
        "direction": "inbound" if index % 2 else "outbound", "from_number": f"1415555{index:04d}",
        "to_number": "14155550000", "status": "completed", "initiation_time": end - timedelta(seconds=index + 5),
        "answer_time": end - timedelta(seconds=index), "end_time": end, "call_duration": index, "bill_duration": index,
        "billed_duration": 60, "hangup_cause_code": 4000, "hangup_cause_name": "Normal Hangup",
        "hangup_cause": "NORMAL_CLEARING", "hangup_source": "Callee", "total_rate": Decimal("0.0085"),
        "total_amount": Decimal("0.0085"), **extra,
    }


def message_row(account_id: str, index: int, *, sub: str | None = None, when: datetime | None = None,
                **extra: Any) -> dict[str, Any]:
    when = when or START + timedelta(minutes=index)
    return {
        "message_uuid": new_uuid(), "account_id": account_id, "sub_account_id": sub,
        "message_direction": "inbound" if index % 2 else "outbound", "message_type": "sms",
        "message_state": "delivered" if index % 3 else "failed", "from_number": "14155550000",
        "to_number": f"1415555{index:04d}", "text": f"hello {index}", "message_time": when, "updated_time": when,
        "error_code": None if index % 3 else 30, **extra,
    }


def insert_rows(server: LiveServer, calls: list[dict[str, Any]] = (), messages: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
    async def write(app: Any) -> None:
        async with app.state.db.sessionmaker() as session:
            if calls:
                await session.execute(insert(CallRecord), list(calls))
            if messages:
                await session.execute(insert(Message), list(messages))
            await session.commit()

    server.call(write)
