"""Status callbacks of messages, written to the webhook outbox in the transaction that changes
the message's state, so that a state change and its callback are committed together (a crash
can neither lose the callback nor send one for a change that did not happen)."""

from datetime import datetime
from functools import lru_cache
from typing import Any

from switchboard.messaging.models import Message
from switchboard.messaging.rows import MessageRow
from switchboard.pricing.table import format_rate
from switchboard.webhooks import notification_row

EVENT = "message status"
FAILURE_STATES = ("failed", "undelivered")


def callback_time(value: datetime | None) -> str:
    """``YYYY-mm-dd HH:MM:SS.ffffff`` (UTC), as Plivo's message callbacks write times."""
    return _formatted(value, value.utcoffset()) if value is not None else ""


@lru_cache(maxsize=1024)
def _formatted(value: datetime, _offset: object) -> str:
    """Cached (the messages of a request or of a batch share their times); keyed by the offset too,
    as equal instants in other zones are equal datetimes."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def status_params(message: Message | MessageRow) -> dict[str, Any]:
    """The parameters of a status callback for the message's current state (``Sequence`` is the
    message's ``sequence``, which the caller has already advanced)."""
    params: dict[str, Any] = {
        "MessageUUID": message.message_uuid,
        "ParentMessageUUID": message.message_uuid,
        "PartInfo": f"1 of {message.units}" if message.units > 1 else "",
        "To": message.to_number,
        "From": message.from_number,
        "Type": message.message_type,
        "Status": message.message_state,
        "Units": message.units,
        "TotalRate": format_rate(message.total_rate),
        "TotalAmount": format_rate(message.total_amount),
        "MCC": "",
        "MNC": "",
        "Sequence": message.sequence,
        "MessageTime": callback_time(message.message_time),
        "QueuedTime": callback_time(message.message_time),
        "SentTime": callback_time(message.sent_time),
        "DeliveryReportTime": callback_time(message.delivery_time),
        "PowerpackUUID": message.powerpack_uuid or "",
        "requester_ip": message.requester_ip,
    }
    if message.message_state in FAILURE_STATES:
        params["ErrorCode"] = str(message.error_code if message.error_code is not None else 1000)
    return params


def outbox_row(message: Message | MessageRow, now: datetime) -> dict[str, Any] | None:
    """An outbox row for the message's current state, or None when it has no callback URL.
    The URL was checked when the message was accepted."""
    if not message.url:
        return None
    return notification_row(account_id=message.account_id, owner_auth_id=message.sub_account_id or message.account_id,
                            url=message.url, method=message.method, params=status_params(message), event=EVENT, now=now)
