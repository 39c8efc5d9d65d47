"""A main account's messaging settings (``MessagingSettings/``) and its opt-out list: who sent
STOP to which of its numbers. The console's Messaging > Settings page and the API use these.

Settings belong to the main account (a subaccount is refused, 403). The opt-out list has no API
route (Plivo shows it in its console only): a main account sees and changes every entry of its
numbers, a subaccount those of its own numbers.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.accounts.scope import visible
from switchboard.core.errors import ForbiddenError, NotFoundError, ValidationError
from switchboard.core.pagination import PageParams, fetch_page
from switchboard.core.params import Params
from switchboard.messaging import send
from switchboard.messaging.models import MessagingSettings, OptOut
from switchboard.numbers.models import RentedNumber
from switchboard.numbers.phone import e164_digits, parse_e164

AnswerText = Annotated[str, Field(max_length=1600)]
OPT_OUT_MODES = ("auto", "on", "off")


class SettingsUpdate(Params):
    opt_out: Literal["auto", "on", "off"] | None = Field(
        None, description="auto: STOP/START/HELP handled on US and CA numbers; on: every number; off: never.")
    help_text: AnswerText | None = Field(None, description="Answer to HELP/INFO; empty for the default.")
    stop_text: AnswerText | None = Field(None, description="Confirmation of an opt-out; empty for the default.")
    start_text: AnswerText | None = Field(None, description="Confirmation of an opt-in; empty for the default.")


def main_only(ctx: AuthContext) -> str:
    if ctx.sub_auth_id is not None:
        raise ForbiddenError("messaging settings belong to the main account; use its credentials and auth_id")
    return ctx.main_auth_id


def settings_json(row: MessagingSettings | None) -> dict[str, str]:
    return {"opt_out": row.opt_out if row else "auto", "help_text": row.help_text if row else "",
            "stop_text": row.stop_text if row else "", "start_text": row.start_text if row else ""}


async def get_settings(session: AsyncSession, ctx: AuthContext) -> dict[str, str]:
    return settings_json(await session.get(MessagingSettings, main_only(ctx)))


async def update_settings(session: AsyncSession, ctx: AuthContext, changes: SettingsUpdate) -> dict[str, str]:
    """Change the settings given (others keep their value) and commit."""
    account_id = main_only(ctx)
    row = await session.get(MessagingSettings, account_id)
    if row is None:
        row = MessagingSettings(account_id=account_id, opt_out="auto", help_text="", stop_text="", start_text="")
        session.add(row)
    for name, value in changes.model_dump(exclude_none=True).items():
        setattr(row, name, value)
    await session.commit()
    send.forget_opt_out_mode(account_id)
    return settings_json(row)


# --- the opt-out list ----------------------------------------------------------------------------


def _opt_outs(ctx: AuthContext) -> Select[tuple[OptOut]]:
    statement = select(OptOut).where(OptOut.account_id == ctx.main_auth_id)
    if ctx.sub_auth_id is not None:
        statement = statement.join(RentedNumber, RentedNumber.number == OptOut.number).where(
            RentedNumber.account_id == ctx.main_auth_id, RentedNumber.sub_account_id == ctx.sub_auth_id)
    return statement


async def list_opt_outs(session: AsyncSession, ctx: AuthContext, page: PageParams) -> tuple[list[OptOut], int]:
    """The opt-outs of the numbers ``ctx`` sees, newest first."""
    statement = _opt_outs(ctx).order_by(OptOut.created.desc(), OptOut.number, OptOut.handset)
    return await fetch_page(session, statement, page)


async def _own_number(session: AsyncSession, ctx: AuthContext, raw: str) -> str:
    number = e164_digits(parse_e164(raw, "number"))
    if await session.scalar(visible(ctx, RentedNumber).where(RentedNumber.number == number)) is None:
        raise ValidationError(f"number: {raw} is not a number of this account")
    return number


def _handset(raw: str) -> str:
    return e164_digits(parse_e164(raw, "handset"))


async def add_opt_out(session: AsyncSession, ctx: AuthContext, number: str, handset: str, now: datetime) -> OptOut:
    """Record that ``handset`` opted out of messages from ``number`` (as its STOP would); a second
    time changes nothing."""
    own, phone = await _own_number(session, ctx, number), _handset(handset)
    row = await session.get(OptOut, (ctx.main_auth_id, own, phone))
    if row is None:
        row = OptOut(account_id=ctx.main_auth_id, number=own, handset=phone, created=now)
        session.add(row)
        await session.commit()
    return row


async def remove_opt_out(session: AsyncSession, ctx: AuthContext, number: str, handset: str) -> None:
    """Let ``number`` message ``handset`` again (as its START would)."""
    try:
        own, phone = await _own_number(session, ctx, number), _handset(handset)
    except ValidationError:
        raise NotFoundError(f"no opt-out of {handset} from {number}") from None
    removed = await session.execute(delete(OptOut).where(OptOut.account_id == ctx.main_auth_id, OptOut.number == own,
                                                         OptOut.handset == phone))
    if not removed.rowcount:
        raise NotFoundError(f"no opt-out of {handset} from {number}")
    await session.commit()
