"""Accepting outbound messages: the checks of ``POST Message/`` (and of ``<Message>`` replies and
automatic opt-out answers), pricing, routing, opt-out and the sender's schedule. The rows are
the pipeline's queue: once they are committed, the message will be sent."""

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import phonenumbers
from sqlalchemy import insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.billing.rating import NoRate
from switchboard.core.errors import ValidationError
from switchboard.core.ids import new_uuid
from switchboard.messaging.callbacks import outbox_row
from switchboard.messaging.charges import NO_RATE, MessageBilling
from switchboard.core.sms_encoding import Segmented, segment, too_long
from switchboard.messaging.models import Media, Message, MessageMedia, MessagingSettings, OptOut
from switchboard.messaging.ratelimit import SenderSchedule, sender_kind
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.phone import e164_digits, parse_e164, region_of
from switchboard.webhooks import enqueue

log = logging.getLogger("switchboard.messaging")
MAX_DESTINATIONS = 1000
MAX_MEDIA = 10
INTERNAL = "internal"
ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
NO_ALPHANUMERIC_SENDER = frozenset({"US", "CA", "PR", "CN"})
OPT_OUT_COUNTRIES = frozenset({"US", "CA"})
MMS_COUNTRIES = frozenset({"US", "CA"})
OPTED_OUT = 200


@dataclass(frozen=True)
class Owner:
    """Who a message belongs to: the main account, and the subaccount when it is a subaccount's."""

    account_id: str
    sub_account_id: str | None = None

    @property
    def auth_id(self) -> str:
        return self.sub_account_id or self.account_id


@dataclass
class Outgoing:
    """A validated send: one sender, its destinations, the text and media."""

    owner: Owner
    src: str
    dsts: list[str]
    text: str
    message_type: str = "sms"
    url: str = ""
    method: str = "POST"
    log: bool = True
    media_ids: list[str] = field(default_factory=list)
    requester_ip: str = ""
    skip_opt_out: bool = False
    sender: RentedNumber | None = None
    """The checked number ``src`` is, when the caller has already looked it up."""


def split_destinations(raw: str) -> list[str]:
    """``dst`` split on ``<``, each as E.164 digits, duplicates dropped (first kept)."""
    seen: dict[str, None] = {}
    for item in raw.split("<"):
        if not item.strip():
            raise ValidationError(f"dst: {raw!r} has an empty destination; separate numbers with a single '<'")
        seen.setdefault(e164_digits(parse_e164(item, "dst")), None)
    if len(seen) > MAX_DESTINATIONS:
        raise ValidationError(f"dst: at most {MAX_DESTINATIONS} destinations per request, not {len(seen)}")
    return list(seen)


def country_of(number: str) -> str:
    """The ISO country of an E.164 number (digits). Decided by the country code and the next four
    digits (for +1, the area code), cached, because bulk sends ask it for every destination."""
    return _country_of_prefix(number[:8])


@lru_cache(maxsize=65_536)
def _country_of_prefix(prefix: str) -> str:
    try:
        parsed = phonenumbers.parse("+" + prefix.ljust(11, "0")[:15])
    except phonenumbers.NumberParseException:
        return ""
    region = phonenumbers.region_code_for_country_code(parsed.country_code)
    if region == "001" or len(phonenumbers.region_codes_for_country_code(parsed.country_code)) > 1:
        region = region_of(parsed) or region
    return "" if region in ("ZZ", "001") else region


async def sender_number(session: AsyncSession, owner: Owner, src: str) -> RentedNumber | None:
    """The number ``src`` of the (sub)account, checked for SMS; None for an alphanumeric sender.
    A subaccount may send only from its own numbers; the main account from any of its account's."""
    if ALPHANUMERIC.match(src) and not src.isdigit():
        return None
    digits = e164_digits(parse_e164(src, "src"))
    number = await session.get(RentedNumber, digits)
    if number is None or number.account_id != owner.account_id:
        raise ValidationError(f"src: {src} is not a number of this account (error 40, invalid source number)")
    if owner.sub_account_id is not None and number.sub_account_id != owner.sub_account_id:
        raise ValidationError(f"src: {src} belongs to another account than subaccount {owner.sub_account_id} (error 40)")
    if not number.sms_enabled:
        raise ValidationError(f"src: {src} is not SMS-enabled (error 40, invalid source number)")
    return number


def check_text(text: str | None, message_type: str) -> Segmented:
    if message_type == "sms" and not text:
        raise ValidationError("text is required for an SMS and may not be empty")
    segmented = segment(text or "")
    problem = too_long(segmented)
    if problem:
        raise ValidationError(f"text: {problem} (error 110, message too long)")
    return segmented


_MODES: dict[str, tuple[float, str]] = {}
MODE_TTL = 5.0


async def opt_out_mode(session: AsyncSession, account_id: str) -> str:
    """The account's opt-out setting, cached for a few seconds (it is read on every send)."""
    cached = _MODES.get(account_id)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    settings = await session.get(MessagingSettings, account_id)
    mode = settings.opt_out if settings else "auto"
    if len(_MODES) > 10_000:
        _MODES.clear()
    _MODES[account_id] = (now + MODE_TTL, mode)
    return mode


def forget_opt_out_mode(account_id: str) -> None:
    """The setting changed on this node: read it again on the next send."""
    _MODES.pop(account_id, None)


async def opt_out_applies(session: AsyncSession, account_id: str, sender: RentedNumber | None) -> bool:
    """Whether STOP/START/HELP are handled for ``sender``: per the account's setting, by default
    on US and CA numbers."""
    if sender is None:
        return False
    mode = await opt_out_mode(session, account_id)
    return mode == "on" or (mode == "auto" and sender.country_iso in OPT_OUT_COUNTRIES)


async def _held_and_opted_out(session: AsyncSession, account_id: str, src: str, dsts: Sequence[str],
                              check_opt_out: bool) -> tuple[set[str], set[str]]:
    """Which destinations are Switchboard numbers, and which opted out of ``src`` (one query a chunk)."""
    held: set[str] = set()
    opted_out: set[str] = set()
    for start in range(0, len(dsts), 500):
        chunk = list(dsts[start : start + 500])
        statement = select(RentedNumber.number, literal("held")).where(RentedNumber.number.in_(chunk))
        if check_opt_out:
            statement = union_all(statement, select(OptOut.handset, literal("optout")).where(
                OptOut.account_id == account_id, OptOut.number == src, OptOut.handset.in_(chunk)))
        for number, kind in (await session.execute(statement)).all():
            (held if kind == "held" else opted_out).add(number)
    return held, opted_out


@dataclass
class Prepared:
    """Rows ready to insert: messages, their media links, their ``queued`` callbacks, and the media
    files fetched for them (``media_urls``)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    files: list[Media] = field(default_factory=list)

    @property
    def uuids(self) -> list[str]:
        return [row["message_uuid"] for row in self.messages]

    def extend(self, other: "Prepared") -> None:
        self.messages += other.messages
        self.media += other.media
        self.callbacks += other.callbacks
        self.files += other.files


async def write_prepared(session: AsyncSession, prepared: Prepared) -> None:
    """Insert prepared rows into the session's transaction (the caller commits). This is a send's
    only write: on SQLite a transaction that wrote before taking the pipeline's ``write_lock`` would
    hold the database's one writer while waiting for that lock (see ``Pipeline.write_lock``)."""
    if prepared.files:
        session.add_all(prepared.files)
        await session.flush()
    if prepared.messages:
        await session.execute(insert(Message.__table__), prepared.messages)  # Core: no ORM bulk-insert overhead
    if prepared.media:
        await session.execute(insert(MessageMedia), prepared.media)
    if prepared.callbacks:
        await enqueue(session, prepared.callbacks)


async def prepare_outgoing(
    session: AsyncSession, out: Outgoing, sender: RentedNumber | None, schedule: SenderSchedule,
    connector_for: Callable[[str], str], now: datetime, billing: MessageBilling, refuse_unrated: bool = False
) -> Prepared:
    """One queued message per destination (with its ``queued`` callback), read-only on the
    database: the writes happen in :func:`write_prepared`, so that on SQLite the single writer
    is held only for them. A destination the rate table has no rate for is refused (400) with
    ``refuse_unrated`` (a request), else its message fails with 90 (a reply Switchboard makes)."""
    segmented = segment(out.text)
    units = 1 if out.message_type == "mms" else segmented.units
    check = not out.skip_opt_out and await opt_out_applies(session, out.owner.account_id, sender)
    internal, blocked = await _held_and_opted_out(session, out.owner.account_id, out.src, out.dsts, check)
    kind = sender_kind(out.src, sender.number_type if sender else None)
    rows: list[dict[str, Any]] = []
    for dst in out.dsts:
        country = country_of(dst)
        error = OPTED_OUT if dst in blocked else None
        try:
            rate, price = billing.quote(country, out.message_type, units)
        except NoRate as exc:
            if refuse_unrated:
                raise ValidationError(f"dst: {dst}: {exc}") from None
            log.warning("message from %s to %s not sent: %s", out.src, dst, exc)
            rate, price, error = Decimal(0), Decimal(0), error or NO_RATE
        failed = error is not None
        rows.append({
            "message_uuid": new_uuid(), "account_id": out.owner.account_id, "sub_account_id": out.owner.sub_account_id,
            "message_direction": "outbound", "message_type": out.message_type,
            "message_state": "failed" if failed else "queued", "from_number": out.src, "to_number": dst,
            "text": out.text, "encoding": segmented.encoding, "units": units, "total_rate": rate,
            "total_amount": Decimal(0) if failed else price, "error_code": error, "url": out.url,
            "method": out.method, "log": out.log, "powerpack_uuid": None, "destination_country_iso2": country,
            "message_intent": "", "requester_ip": out.requester_ip, "message_time": now, "sent_time": None,
            "delivery_time": now if failed else None, "updated_time": now, "sequence": 1, "attempts": 0,
            "dispatch_at": None if failed else schedule.slot(out.src, kind, units, now),
            "connector": INTERNAL if dst in internal else connector_for(dst), "carrier_message_id": None,
        })
    links = [{"message_uuid": row["message_uuid"], "position": i, "media_id": media_id}
             for row in rows for i, media_id in enumerate(out.media_ids)]
    callbacks = [outbox_row(SimpleNamespace(**row), now) for row in rows]  # type: ignore[arg-type]
    return Prepared(rows, links, [row for row in callbacks if row is not None])


def check_alphanumeric(src: str, dsts: Sequence[str]) -> None:
    barred = sorted({country for country in map(country_of, dsts) if country in NO_ALPHANUMERIC_SENDER})
    if barred:
        raise ValidationError(
            f"src: alphanumeric sender IDs cannot send to {', '.join(barred)} numbers; use a number of the account (error 40)"
        )


def check_mms(sender: RentedNumber | None, src: str, dsts: Sequence[str], media_count: int) -> None:
    if sender is None or not sender.mms_enabled:
        raise ValidationError(f"src: {src} is not MMS-enabled; MMS is sent from US and Canadian numbers with MMS")
    if media_count == 0:
        raise ValidationError("an MMS needs media_urls or media_ids")
    if media_count > MAX_MEDIA:
        raise ValidationError(f"media_urls and media_ids: at most {MAX_MEDIA} media per MMS, not {media_count}")
    outside = sorted({dst for dst in dsts if country_of(dst) not in MMS_COUNTRIES})
    if outside:
        raise ValidationError(f"dst: MMS can only be sent to US and Canadian numbers, not {', '.join(outside[:5])}")

