"""Logs > Messages: the messages with the ``Message/`` list filters, and a message's page with its
fields, its text and its status callbacks (every request Switchboard made for it)."""

from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.console.logs.listing import Filter, LogList, Statement, export, show
from switchboard.console.pages import shown
from switchboard.console.session import Console
from switchboard.console.templating import render
from switchboard.core.clock import format_time
from switchboard.core.http import Session
from switchboard.core.pagination import PageParams
from switchboard.messaging import service
from switchboard.messaging.models import Message
from switchboard.messaging.routes import message_json
from switchboard.messaging.schemas import MessageList, MessageState
from switchboard.webhooks import debuglog

router = APIRouter(include_in_schema=False)
BASE = "/logs/messages"
_TIME = "Message Time"

MESSAGES = LogList(
    path=BASE, nav="message_logs", title="Message Logs", model=MessageList, rows="logs/messages/rows.html",
    csv_name="messages",
    filters=(
        Filter("message_direction", "Message Direction", "choice", ("inbound", "outbound")),
        Filter("message_state", "Message State", "choice", get_args(MessageState)),
        Filter("message_type", "Message Type", "choice", ("sms", "mms", "whatsapp")),
        Filter("from_number", "From Number"),
        Filter("to_number", "To Number"),
        Filter("message_time__gte", f"{_TIME} from", "time"),
        Filter("message_time__lte", f"{_TIME} until", "time"),
        Filter("error_code", "Error Code", "number"),
        Filter("destination_country_iso2", "Destination Country (ISO2)"),
        Filter("subaccount", "Sub Account", hint="Auth ID of a subaccount"),
    ),
    csv_columns=(
        ("message_uuid", lambda row: row.message_uuid), ("message_direction", lambda row: row.message_direction),
        ("message_type", lambda row: row.message_type), ("message_state", lambda row: row.message_state),
        ("from_number", lambda row: row.from_number), ("to_number", lambda row: row.to_number),
        ("message_time", lambda row: format_time(row.message_time)), ("units", lambda row: row.units),
        ("total_amount", lambda row: row.total_amount), ("error_code", lambda row: row.error_code),
        ("text", lambda row: row.text if row.log else ""), ("sub_account", lambda row: row.sub_account_id or ""),
    ),
)


def _statement(ctx: AuthContext) -> Statement:
    async def statement(_session: AsyncSession, params: PageParams) -> Select[tuple[Message]]:
        assert isinstance(params, MessageList)
        return service.messages_statement(ctx, params)
    return statement


@router.get(BASE, response_class=HTMLResponse)
async def message_list(request: Request, ctx: Console, session: Session) -> Response:
    return await show(request, ctx, session, MESSAGES, _statement(ctx))


@router.get(BASE + ".csv")
async def message_csv(request: Request, ctx: Console) -> Response:
    return await export(request, ctx, MESSAGES, _statement(ctx))


@router.get(BASE + "/{message_uuid}", response_class=HTMLResponse)
async def message_page(request: Request, ctx: Console, session: Session, message_uuid: str) -> Response:
    row = await shown(service.get_message(session, ctx, message_uuid))
    return render(request, "logs/messages/message.html", {
        "nav": "message_logs", "who": ctx.account, "message": message_json(row), "row": row,
        "timeline": await debuglog.attempts_for(session, ctx, message_uuid), "params_of": debuglog.params_of,
    })
