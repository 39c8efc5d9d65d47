"""Logs > Debug (All / Error): Switchboard's debug log, every request it made to the account's URLs
(``webhooks.debuglog``, the same rows as the ``WebhookLog/`` extension) and the problems found in
what came back (an answer that was not valid Plivo XML)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.console.logs.listing import Filter, LogList, Statement, export, show
from switchboard.console.session import Console
from switchboard.core.clock import format_time
from switchboard.core.http import Session
from switchboard.core.pagination import PageParams
from switchboard.webhooks import debuglog
from switchboard.webhooks.models import WebhookAttempt
from switchboard.webhooks.schemas import WebhookLogList

router = APIRouter(include_in_schema=False)
BASE = "/logs/debug"

DEBUG = LogList(
    path=BASE, nav="debug_logs", title="Debug Logs", model=WebhookLogList, rows="logs/debug/rows.html",
    csv_name="debug-log", tabs=(("All", {}), ("Error", {"errors": "true"})),
    filters=(
        Filter("errors", "Errors only", "hidden"),
        Filter("event", "Event", hint="call.answer, call.action, call.hangup, call.xml, message status, …"),
        Filter("request_id", "Request ID"),
    ),
    csv_columns=(
        ("log_id", lambda row: row.id), ("time", lambda row: format_time(row.created)),
        ("account", lambda row: row.owner_auth_id), ("kind", lambda row: row.kind), ("event", lambda row: row.event),
        ("request_id", lambda row: row.request_id), ("attempt", lambda row: row.attempt),
        ("method", lambda row: row.method), ("url", lambda row: row.url), ("status_code", lambda row: row.status_code),
        ("latency_ms", lambda row: row.latency_ms), ("outcome", lambda row: row.outcome), ("error", lambda row: row.error),
        ("resource_id", lambda row: row.resource_id),
    ),
)


def _statement(ctx: AuthContext) -> Statement:
    async def statement(_session: AsyncSession, params: PageParams) -> Select[tuple[WebhookAttempt]]:
        assert isinstance(params, WebhookLogList)
        return debuglog.attempts_statement(ctx, params)
    return statement


@router.get(BASE, response_class=HTMLResponse)
async def debug_list(request: Request, ctx: Console, session: Session) -> Response:
    return await show(request, ctx, session, DEBUG, _statement(ctx), {"params_of": debuglog.params_of})


@router.get(BASE + ".csv")
async def debug_csv(request: Request, ctx: Console) -> Response:
    return await export(request, ctx, DEBUG, _statement(ctx))
