"""Callback times are cached per instant; equal instants written in other zones (equal datetimes)
must still be written with their own fields."""

from datetime import datetime, timedelta, timezone

from switchboard.messaging.callbacks import callback_time


def test_equal_instants_in_other_zones_keep_their_own_fields() -> None:
    utc = datetime(2026, 11, 23, 5, 0, 0, 123456, tzinfo=timezone.utc)
    berlin = utc.astimezone(timezone(timedelta(hours=1)))
    naive = utc.replace(tzinfo=None)
    assert utc == berlin
    assert callback_time(utc) == "2026-11-23 05:00:00.123456"
    assert callback_time(berlin) == "2026-11-23 06:00:00.123456"
    assert callback_time(naive) == "2026-11-23 05:00:00.123456"
    assert callback_time(None) == ""
