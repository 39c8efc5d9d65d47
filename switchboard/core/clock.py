"""The one source of time. The simulated network will add a virtual clock with the same interface."""

from datetime import datetime, timezone


class Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


def format_date(value: datetime | None) -> str | None:
    """Plivo's date-only fields (``created``, ``modified``, ``added_on``)."""
    return value.date().isoformat() if value is not None else None


def format_time(value: datetime | None) -> str | None:
    """Plivo's timestamp fields: ``2017-05-22 17:49:40+00:00``."""
    return value.isoformat(sep=" ", timespec="seconds") if value is not None else None
