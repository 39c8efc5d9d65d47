"""Inbound messages: reassembly of concatenated parts, opt-out keywords (STOP/START/HELP),
the MDR, and the application's ``message_url`` with the ``<Message>`` replies it answers with."""

import hashlib
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, text as sql_text
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.models import Application
from switchboard.billing.rating import NoRate
from switchboard.core.errors import PlivoError
from switchboard.core.ids import new_uuid
from switchboard.core.sms_encoding import segment
from switchboard.messaging.charges import MessageBilling
from switchboard.messaging.models import InboundPart, Media, Message, MessageMedia, MessagingSettings, OptOut
from switchboard.messaging.send import Outgoing, Owner, opt_out_applies, sender_number, split_destinations
from switchboard.network.connector import InboundSms
from switchboard.numbers.models import RentedNumber
from switchboard.pricing.table import format_rate

log = logging.getLogger("switchboard.messaging")

STOP_WORDS = frozenset({"stop", "stopall", "stop all", "end", "quit", "cancel", "unsubscribe", "unsub", "optout"})
START_WORDS = frozenset({"start", "unstop", "yes", "resume", "go"})
HELP_WORDS = frozenset({"help", "info"})
DEFAULT_STOP = "You have been unsubscribed and will receive no more messages from this number. Reply START to resubscribe."
DEFAULT_START = "You have been resubscribed and may receive messages from this number again. Reply STOP to unsubscribe."
DEFAULT_HELP = "Reply STOP to unsubscribe, START to resubscribe. Msg & data rates may apply."


def keyword_intent(text: str) -> str:
    """``optout``, ``optin``, ``help`` or "" for the whole body (trimmed, case-insensitive)."""
    word = " ".join(text.split()).casefold()
    if word in STOP_WORDS:
        return "optout"
    if word in START_WORDS:
        return "optin"
    if word in HELP_WORDS:
        return "help"
    return ""


async def _serialize_siblings(session: AsyncSession, message: InboundSms) -> None:
    """On PostgreSQL, hold a transaction lock on the message's key, so that two parts arriving at
    once cannot each miss the other's uncommitted row (SQLite already serialises writers)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    assert message.part is not None
    key = f"{message.dst}|{message.src}|{message.part.reference}|{message.part.total}".encode()
    lock_id = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)
    await session.execute(sql_text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


async def reassemble(session: AsyncSession, message: InboundSms, now: datetime) -> str | None:
    """Keep a part; the whole text once every part of its message is here, else None."""
    assert message.part is not None
    part = message.part
    await _serialize_siblings(session, message)
    session.add(InboundPart(from_number=message.src, to_number=message.dst, reference=part.reference, total=part.total,
                            seqnum=part.seqnum, text=message.text, received=now))
    await session.flush()
    key = (InboundPart.to_number == message.dst, InboundPart.from_number == message.src,
           InboundPart.reference == part.reference, InboundPart.total == part.total)
    parts = (await session.scalars(select(InboundPart).where(*key))).all()
    texts = {row.seqnum: row.text for row in parts}
    if len(texts) < part.total:
        return None
    await session.execute(delete(InboundPart).where(*key))
    return "".join(texts[index] for index in sorted(texts))


@dataclass
class Received:
    message: Message
    replies: list[Outgoing]
    sender: RentedNumber


async def _keyword_reply(session: AsyncSession, number: RentedNumber, handset: str, intent: str, now: datetime) -> str:
    owner_settings = await session.get(MessagingSettings, number.account_id)
    if intent == "optout":
        if await session.get(OptOut, (number.account_id, number.number, handset)) is None:
            session.add(OptOut(account_id=number.account_id, number=number.number, handset=handset, created=now))
        return (owner_settings.stop_text if owner_settings else "") or DEFAULT_STOP
    if intent == "optin":
        await session.execute(delete(OptOut).where(OptOut.account_id == number.account_id, OptOut.number == number.number,
                                                   OptOut.handset == handset))
        return (owner_settings.start_text if owner_settings else "") or DEFAULT_START
    return (owner_settings.help_text if owner_settings else "") or DEFAULT_HELP


async def store_inbound(session: AsyncSession, message: InboundSms, text: str, connector: str, now: datetime,
                        billing: MessageBilling) -> Received | None:
    """The MDR of a complete inbound message to one of our numbers (None if nobody holds ``dst``)
    and its charge (the number's country's inbound rate), with the keyword answer to send. The
    caller commits and sends ``replies``."""
    number = await session.get(RentedNumber, message.dst)
    if number is None:
        return None
    owner = Owner(number.account_id, number.sub_account_id)
    app = await session.get(Application, number.app_id) if number.app_id else None
    is_mms = message.message_type == "mms"
    units = 1 if is_mms else segment(text).units
    try:
        rate, price = billing.quote(number.country_iso, message.message_type, units, "inbound")
    except NoRate as exc:  # a message received cannot be refused: stored, and the operator told
        log.warning("inbound message to %s not charged: %s", number.number, exc)
        rate, price = Decimal(0), None
    replies: list[Outgoing] = []
    intent = ""
    if not is_mms and message.src.isdigit() and await opt_out_applies(session, number.account_id, number):
        intent = keyword_intent(text)
        if intent:
            answer = await _keyword_reply(session, number, message.src, intent, now)
            replies.append(Outgoing(owner=owner, src=number.number, dsts=[message.src], text=answer, skip_opt_out=True))
    row = Message(
        message_uuid=new_uuid(), account_id=owner.account_id, sub_account_id=owner.sub_account_id,
        message_direction="inbound", message_type=message.message_type, message_state="received",
        from_number=message.src, to_number=message.dst, text=text, encoding=segment(text).encoding, units=units,
        total_rate=rate, total_amount=price or Decimal(0), error_code=None, url="", method="POST", log=True,
        destination_country_iso2=number.country_iso, message_intent=intent, requester_ip="", message_time=now,
        updated_time=now, sequence=0, attempts=0, connector=connector,
        dispatch_at=now if app is not None and app.enabled and app.message_url else None,
    )
    session.add(row)
    for position, media in enumerate(message.media):
        media_id = new_uuid()
        session.add(Media(media_id=media_id, account_id=owner.account_id, sub_account_id=owner.sub_account_id,
                          content_type=media.content_type, file_name=media.file_name, size=len(media.content),
                          content=media.content, upload_time=now))
        session.add(MessageMedia(message_uuid=row.message_uuid, position=position, media_id=media_id))
    await session.flush()
    if price is not None:
        await billing.write(session, billing.charges([row], now))
    return Received(row, replies, number)


def app_params(message: Message, media_urls: list[str]) -> dict[str, Any]:
    """What ``message_url`` receives (multi-part messages arrive already concatenated)."""
    params: dict[str, Any] = {
        "From": message.from_number, "To": message.to_number, "Type": message.message_type,
        "MessageUUID": message.message_uuid, "Units": message.units, "TotalRate": format_rate(message.total_rate),
        "TotalAmount": format_rate(message.total_amount), "MessageIntent": message.message_intent, "PowerpackUUID": "",
    }
    if message.message_type == "mms":
        params["Body"] = message.text
        params["MediaCount"] = len(media_urls)
        for index, url in enumerate(media_urls, start=1):
            params[f"Media{index}"] = url
    else:
        params["Text"] = message.text
    return params


async def xml_replies(session: AsyncSession, body: bytes, inbound: Message) -> list[Outgoing]:
    """The ``<Message>`` elements of a message_url answer as sends of the number's account;
    anything else in the answer is ignored, and so is an element that does not check out."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return []
    if root.tag != "Response":
        return []
    owner = Owner(inbound.account_id, inbound.sub_account_id)
    replies = []
    for element in root.iter("Message"):
        src = (element.get("src") or inbound.to_number).strip()
        try:
            sender = await sender_number(session, owner, src)
            dsts = split_destinations(element.get("dst") or inbound.from_number)
            text = (element.text or "").strip()
            if not text:
                raise PlivoError("empty <Message>")
            if sender is None:
                raise PlivoError("alphanumeric senders are not used in <Message> replies")
        except PlivoError as exc:
            log.info("ignored a <Message> in the answer to %s: %s", inbound.message_uuid, exc.message)
            continue
        callback = element.get("callbackUrl") or ""
        replies.append(Outgoing(owner=owner, src=sender.number, dsts=dsts, text=text, url=callback if callback.startswith(("http://", "https://")) else "",
                                method=(element.get("callbackMethod") or "POST").upper()))
    return replies


async def application_of(session: AsyncSession, number: str) -> Application | None:
    held = await session.get(RentedNumber, number)
    if held is None or not held.app_id:
        return None
    return await session.get(Application, held.app_id)

