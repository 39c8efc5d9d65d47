"""Per-source-number throughput: messages are queued, never dropped, and leave no faster than
their sender's rate (in segments per second).

Defaults follow the US rules in the reference: a long code sends 1 segment/s, a toll-free number
25 (Plivo's figure), a short code 100, senders outside +1 (and alphanumeric sender IDs) 10.
``Settings.sms_mps`` overrides any of ``longcode``, ``tollfree``, ``shortcode``,
``international``, or a single sender by its number.

The schedule is the ``dispatch_at`` of each queued message, computed when the message is
accepted, so the API answers at once however long the queue is, and the queue survives a
restart (the next free slot of each sender is read back from the database at start).
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

DEFAULT_MPS: dict[str, float] = {"longcode": 1.0, "tollfree": 25.0, "shortcode": 100.0, "international": 10.0}


def sender_kind(src: str, number_type: str | None) -> str:
    """The throughput class of a sender: its number type for +1 numbers, else international."""
    if not src.isdigit():
        return "international"
    if len(src) <= 8:
        return "shortcode"
    if not src.startswith("1"):
        return "international"
    return "tollfree" if number_type == "tollfree" else "longcode"


class SenderSchedule:
    def __init__(self, overrides: Mapping[str, float] | None = None):
        self.rates = {**DEFAULT_MPS, **(overrides or {})}
        self._next_free: dict[str, datetime] = {}

    def rate(self, src: str, kind: str) -> float:
        return self.rates.get(src) or self.rates.get(kind) or DEFAULT_MPS["international"]

    def restore(self, src: str, last_dispatch_at: datetime) -> None:
        current = self._next_free.get(src)
        if current is None or last_dispatch_at > current:
            self._next_free[src] = last_dispatch_at

    def slot(self, src: str, kind: str, units: int, now: datetime) -> datetime:
        """When a message of ``units`` segments from ``src`` may leave; books the time it takes."""
        start = max(now, self._next_free.get(src, now))
        self._next_free[src] = start + timedelta(seconds=units / self.rate(src, kind))
        return start
