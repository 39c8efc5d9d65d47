"""Rating: what a call leg, an SMS or an MMS costs, from the operator's rate table.

The functions on amounts are pure; the lookups raise :class:`NoRate` when the table has no rate
for a destination, so nothing is ever billed at zero because a country is missing.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from switchboard.pricing.table import RateTable, VoiceTariff, rate_table

UNIT = Decimal("0.00001")
MINUTE = Decimal(60)


class NoRate(LookupError):
    """The rate table has no rate for a destination; the message says which."""


@dataclass(frozen=True)
class CallRating:
    rate: Decimal  # per minute (the record's total_rate)
    billed_duration: int  # seconds, rounded up to the tariff's increments
    total_amount: Decimal


def billed_seconds(seconds: int, initial: int, increment: int) -> int:
    """Billable seconds rounded as Plivo bills them: nothing for no time, ``initial`` seconds at
    least, then whole ``increment`` steps (60/60: 10 s → 60, 61 s → 120; 6/6: 7 s → 12)."""
    if seconds <= 0:
        return 0
    if seconds <= initial:
        return initial
    return initial + increment * math.ceil((seconds - initial) / increment)


def amount(value: Decimal) -> Decimal:
    """An amount rounded to Plivo's 5 decimals (half a unit up)."""
    return value.quantize(UNIT, rounding=ROUND_HALF_UP)


def call_amount(rate: Decimal, billed: int) -> Decimal:
    return amount(rate * billed / MINUTE)


def rate_call(tariff: VoiceTariff, bill_duration: int) -> CallRating:
    """The cost of one answered call leg that lasted ``bill_duration`` seconds from answer."""
    billed = billed_seconds(bill_duration, tariff.initial, tariff.increment)
    return CallRating(tariff.rate, billed, call_amount(tariff.rate, billed))


def rate_sms(rate: Decimal, units: int) -> Decimal:
    """An SMS of ``units`` segments at ``rate`` per segment."""
    return amount(rate * units)


def rate_mms(rate: Decimal) -> Decimal:
    """An MMS: one price per message, whatever its size."""
    return amount(rate)


def outbound_call_tariff(destination: str, table: RateTable | None = None) -> VoiceTariff:
    tariff = (table or rate_table()).voice_outbound_tariff(destination)
    if tariff is None:
        raise NoRate(f"no rate for calls to {destination}: the rate table has no destination prefix for it")
    return tariff


def inbound_call_tariff(country_iso: str, rate: Decimal, table: RateTable | None = None) -> VoiceTariff:
    """A call received on a number of ``country_iso`` whose voice rate is ``rate``."""
    country = (table or rate_table()).country(country_iso)
    if country is None:
        raise NoRate(f"no rate for calls to numbers of {country_iso}: the rate table has no such country")
    return country.inbound_voice_tariff(rate)


def sms_rate(destination: str, table: RateTable | None = None) -> Decimal:
    rate = (table or rate_table()).message_outbound_rate(destination)
    if rate is None:
        raise NoRate(f"no rate for messages to {destination}: the rate table has no country for it")
    return rate


def mms_rate(destination: str, table: RateTable | None = None) -> Decimal:
    rate = (table or rate_table()).mms_outbound_rate(destination)
    if rate is None:
        raise NoRate(f"no rate for MMS to {destination}: the rate table has no country for it")
    return rate


def message_rate(country_iso: str, message_type: str, direction: str = "outbound", table: RateTable | None = None) -> Decimal:
    """The price of one unit of a message to (outbound) or from (inbound) a number of
    ``country_iso``: per segment for an SMS, per message for an MMS."""
    country = (table or rate_table()).country(country_iso) if country_iso else None
    if country is None:
        kind = "MMS" if message_type == "mms" else "messages"
        where = f"numbers of {country_iso}" if country_iso else "this number (its country is unknown)"
        raise NoRate(f"no rate for {direction} {kind} to {where}: the rate table has no such country")
    if message_type == "mms":
        return country.mms_inbound if direction == "inbound" else country.mms_outbound
    return country.message_inbound if direction == "inbound" else country.message_outbound


def rate_message(rate: Decimal, message_type: str, units: int) -> Decimal:
    """What one message costs: ``rate`` per segment (SMS) or per message (MMS)."""
    return rate_mms(rate) if message_type == "mms" else rate_sms(rate, units)


def rate_transcription(duration_ms: int, table: RateTable | None = None) -> tuple[Decimal, Decimal]:
    """(rate per minute, amount) of transcribing a recording of ``duration_ms``: per started minute."""
    rate = (table or rate_table()).transcription
    return rate, call_amount(rate, 60 * math.ceil(duration_ms / 60_000))


def rounded_recording_minutes(duration_ms: int) -> int:
    """Plivo's ``rounded_recording_duration`` in minutes: whole minutes up, at least one."""
    return max(1, math.ceil(duration_ms / 60_000))


def rate_storage(duration_ms: int, table: RateTable | None = None) -> tuple[Decimal, Decimal]:
    """(rate per minute per month, amount) of keeping a recording of ``duration_ms`` a month."""
    rate = (table or rate_table()).storage
    return rate, call_amount(rate, 60 * rounded_recording_minutes(duration_ms))


def rate_stream(seconds: int, table: RateTable | None = None) -> tuple[Decimal, Decimal]:
    """(rate per minute, amount) of an audio stream that ran ``seconds``: per started minute."""
    rate = (table or rate_table()).stream
    return rate, call_amount(rate, 60 * math.ceil(seconds / 60))
