"""Per-source-number throughput: messages are queued, never dropped, and leave no faster than
their sender's rate (in segments per second).

Defaults follow the US rules in the reference: a long code sends 1 segment/s, a toll-free number
25 (Plivo's figure), a short code 100, senders outside +1 (and alphanumeric sender IDs) 10.
``Settings.sms_mps`` overrides any of ``longcode``, ``tollfree``, ``shortcode``,
``international``, or a single sender by its number.

The schedule is the ``dispatch_at`` of each queued message, computed when the message is
accepted, so the API answers at once however long the queue is, and the queue survives a
restart (the next free slot of each sender is read back from the database at start).

A booked slot is the earliest a message may leave, not a promise that the ones after it leave at
their own slots: when messages leave late (their commit came after their first slot, or the
dispatcher was held up), several become due together. So the dispatcher also paces what actually
leaves (:meth:`SenderSchedule.pace`): a message leaves no sooner than one interval after the
sender's previous one left, give or take ``SLACK`` (the granularity of a dispatch round).
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

DEFAULT_MPS: dict[str, float] = {"longcode": 1.0, "tollfree": 25.0, "shortcode": 100.0, "international": 10.0}
SLACK = timedelta(milliseconds=50)


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
        self._kinds: dict[str, str] = {}
        self._left: dict[str, datetime] = {}
        """When each sender's last message to leave finished its interval (see :meth:`pace`)."""

    def rate(self, src: str, kind: str) -> float:
        return self.rates.get(src) or self.rates.get(kind) or DEFAULT_MPS["international"]

    def _interval(self, src: str, units: int) -> timedelta:
        kind = self._kinds.get(src) or sender_kind(src, None)
        return timedelta(seconds=units / self.rate(src, kind))

    def restore(self, src: str, last_dispatch_at: datetime, kind: str | None = None) -> None:
        if kind is not None:
            self._kinds[src] = kind
        current = self._next_free.get(src)
        if current is None or last_dispatch_at > current:
            self._next_free[src] = last_dispatch_at

    def slot(self, src: str, kind: str, units: int, now: datetime) -> datetime:
        """When a message of ``units`` segments from ``src`` may leave; books the time it takes."""
        self._kinds[src] = kind
        start = max(now, self._next_free.get(src, now))
        self._next_free[src] = start + timedelta(seconds=units / self.rate(src, kind))
        return start

    def pace(self, due: list[tuple[str, int, datetime]], now: datetime) -> list[datetime | None]:
        """For due messages (sender, units, booked slot; in slot order) claimed at ``now``: None
        for each that may leave now (its interval is booked as spent), else the later time it may.
        A held-back message is booked one interval after the one before it, so a burst of late
        messages is spread out again at the sender's rate."""
        cursor: dict[str, datetime] = {}
        verdicts: list[datetime | None] = []
        for src, units, booked in due:
            at = max(booked, cursor.get(src, self._left.get(src, booked)))
            interval = self._interval(src, units)
            if at <= now:
                self._left[src] = cursor[src] = max(at, now - SLACK) + interval
                verdicts.append(None)
            else:
                cursor[src] = at + interval
                verdicts.append(at)
        for src, end in cursor.items():
            self.restore(src, end)  # accepts after this book behind the held-back messages
        return verdicts
