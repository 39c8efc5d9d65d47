"""The rules of ``Message/``: send (checks, media, storing), list with Plivo's filters, get."""

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import of_subaccount, visible
from switchboard.core.clock import Clock
from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.pagination import fetch_page
from switchboard.messaging.media import MAX_MMS_BYTES, fetch_media_url, new_media, owned_media
from switchboard.messaging.models import Media, Message, MessageMedia
from switchboard.messaging.pipeline import Pipeline
from switchboard.network.registry import Carriers
from switchboard.messaging.schemas import MessageList, MessageSend, parse_time
from switchboard.messaging.send import (
    Outgoing,
    Owner,
    check_alphanumeric,
    check_mms,
    check_text,
    sender_number,
    split_destinations,
    write_prepared,
)


@dataclass
class Messaging:
    """What the messaging area keeps on ``app.state.messaging``."""

    pipeline: Pipeline
    http: httpx.AsyncClient
    carriers: Carriers

    async def start(self) -> None:
        """Load the stored connectors and routes, then start the pipeline (which starts them)."""
        await self.carriers.load()
        self.carriers.events = self.pipeline
        await self.pipeline.start()

    async def stop(self) -> None:
        await self.pipeline.stop()
        await self.http.aclose()


def owner_of(ctx: AuthContext) -> Owner:
    return Owner(ctx.main_auth_id, ctx.sub_auth_id)


async def send(session: AsyncSession, clock: Clock, messaging: Messaging, ctx: AuthContext, params: MessageSend,
               requester_ip: str) -> list[str]:
    """Check a ``POST Message/``, store its messages and their queued callbacks, commit."""
    if params.powerpack_uuid:
        raise ValidationError("powerpack_uuid: number pools (Powerpack) are not supported by Switchboard yet; send with src")
    if params.type == "whatsapp":
        raise ValidationError("type: whatsapp messages are not supported by Switchboard; use sms or mms")
    if not params.src:
        raise ValidationError("src is required (powerpack_uuid is not supported yet)")
    if not params.dst:
        raise ValidationError("dst is required")
    owner = owner_of(ctx)
    messaging.pipeline.billing.check_accepting(owner.account_id)
    dsts = split_destinations(params.dst)
    src = params.src
    check_text(params.text, params.type)
    sender = await sender_number(session, owner, src)
    if sender is None:
        check_alphanumeric(src, dsts)
    elif sender.number in dsts:
        raise ValidationError("dst: the destination cannot be the source number")
    media_ids: list[str] = []
    fetched: list[Media] = []
    if params.type == "mms":
        check_mms(sender, src, dsts, len(params.media_urls or []) + len(params.media_ids or []))
        media_ids, fetched = await _collect_media(session, clock, messaging, owner, params)
    elif params.media_urls or params.media_ids:
        raise ValidationError("media_urls and media_ids need type mms")
    out = Outgoing(owner=owner, src=sender.number if sender else src, dsts=dsts, text=params.text or "",
                   message_type=params.type, url=params.url, method=params.method, log=params.log,
                   media_ids=media_ids, requester_ip=requester_ip, sender=sender)
    prepared = await messaging.pipeline.prepare(session, [out], clock.now(), refuse_unrated=True)
    prepared.files = fetched
    leased = messaging.pipeline.webhooks.lease(prepared.callbacks)  # the queued callbacks go out at once
    async with messaging.pipeline.write_lock:
        await write_prepared(session, prepared)
        await session.commit()
    messaging.pipeline.wake()
    messaging.pipeline.webhooks.hand_over(leased)
    return prepared.uuids


async def _collect_media(session: AsyncSession, clock: Clock, messaging: Messaging, owner: Owner,
                         params: MessageSend) -> tuple[list[str], list[Media]]:
    """The media ids of an MMS, and the rows of the files fetched from its ``media_urls`` (stored
    by :func:`write_prepared` with the messages)."""
    uploaded = await owned_media(session, owner, params.media_ids or [])
    budget = MAX_MMS_BYTES - sum(row.size for row in uploaded) - len((params.text or "").encode())
    fetched = []
    for url in params.media_urls or []:
        content, content_type, name = await fetch_media_url(messaging.http, url, budget)
        budget -= len(content)
        fetched.append(new_media(owner, content, content_type, name, clock.now()))
    return [row.media_id for row in uploaded + fetched], fetched


async def list_messages(session: AsyncSession, ctx: AuthContext, params: MessageList) -> tuple[list[Message], int]:
    return await fetch_page(session, messages_statement(ctx, params), params)


def messages_statement(ctx: AuthContext, params: MessageList) -> Select[tuple[Message]]:
    """The messages ``params`` select (the ``Message/`` list filters), newest first."""
    statement = of_subaccount(visible(ctx, Message), ctx, Message, params.subaccount, "messages")
    equal: dict[str, Any] = {
        "message_direction": params.message_direction, "message_state": params.message_state,
        "message_type": params.message_type, "error_code": params.error_code,
        "destination_country_iso2": params.destination_country_iso2.upper() if params.destination_country_iso2 else None,
        "powerpack_uuid": params.powerpack_id,
    }
    for column, value in equal.items():
        if value is not None:
            statement = statement.where(getattr(Message, column) == value)
    for column, value in (("from_number", params.from_number), ("to_number", params.to_number)):
        if value:
            statement = statement.where(getattr(Message, column) == value.strip().lstrip("+"))
    if params.tendlc_campaign_id or params.tendlc_registration_status or params.conversation_id or params.conversation_origin:
        statement = statement.where(Message.message_uuid.is_(None))  # no 10DLC campaigns or WhatsApp conversations here
    times = {"": "__eq__", "__gt": "__gt__", "__gte": "__ge__", "__lt": "__lt__", "__lte": "__le__"}
    for suffix, operator in times.items():
        value = getattr(params, f"message_time{suffix}")
        if value is not None:
            statement = statement.where(getattr(Message.message_time, operator)(parse_time(value)))
    return statement.order_by(Message.message_time.desc(), Message.message_uuid)


async def get_message(session: AsyncSession, ctx: AuthContext, message_uuid: str) -> Message:
    row = await session.get(Message, message_uuid)
    if row is None or row.account_id != ctx.main_auth_id or (ctx.sub_auth_id and row.sub_account_id != ctx.sub_auth_id):
        raise NotFoundError(f"no message {message_uuid}")
    return row


async def message_media(session: AsyncSession, message_uuid: str) -> list[Media]:
    statement = (select(Media).join(MessageMedia, MessageMedia.media_id == Media.media_id)
                 .where(MessageMedia.message_uuid == message_uuid).order_by(MessageMedia.position))
    return list((await session.scalars(statement)).all())
