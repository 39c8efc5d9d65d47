"""Reading the webhook debug log: for the REST extension and for ``switchboard logs``."""

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.core.clock import format_time
from switchboard.core.errors import NotFoundError
from switchboard.core.http import resource_uri
from switchboard.core.pagination import fetch_page
from switchboard.webhooks.models import WebhookAttempt
from switchboard.webhooks.schemas import WebhookLogList

FAILED = ("retrying", "failed")


def visible(ctx: AuthContext) -> Select[tuple[WebhookAttempt]]:
    """The main account sees the attempts of all its subaccounts; a subaccount only its own."""
    statement = select(WebhookAttempt).where(WebhookAttempt.account_id == ctx.main_auth_id)
    if ctx.sub_auth_id is not None:
        statement = statement.where(WebhookAttempt.owner_auth_id == ctx.sub_auth_id)
    return statement


async def list_attempts(session: AsyncSession, ctx: AuthContext, params: WebhookLogList) -> tuple[list[WebhookAttempt], int]:
    return await fetch_page(session, attempts_statement(ctx, params), params)


def attempts_statement(ctx: AuthContext, params: WebhookLogList) -> Select[tuple[WebhookAttempt]]:
    """The attempts ``params`` select, newest first."""
    statement = visible(ctx)
    if params.errors:
        statement = statement.where(WebhookAttempt.outcome.in_(FAILED))
    if params.request_id:
        statement = statement.where(WebhookAttempt.request_id == params.request_id)
    if params.event:
        statement = statement.where(WebhookAttempt.event == params.event)
    return statement.order_by(WebhookAttempt.id.desc())


async def attempts_for(session: AsyncSession, ctx: AuthContext, resource_id: str, limit: int = 500) -> list[WebhookAttempt]:
    """The requests made for one call or message (its ``CallUUID``/``MessageUUID``), oldest first."""
    statement = visible(ctx).where(WebhookAttempt.resource_id == resource_id).order_by(WebhookAttempt.id).limit(limit)
    return list((await session.scalars(statement)).all())


def params_of(row: WebhookAttempt) -> list[tuple[str, str]]:
    """The parameters sent, as name and value pairs (a repeated name once per value)."""
    sent: dict[str, list[str]] = orjson.loads(row.params)
    return [(name, value) for name, values in sent.items() for value in values]


async def get_attempt(session: AsyncSession, ctx: AuthContext, log_id: str) -> WebhookAttempt:
    valid = log_id.isascii() and log_id.isdigit() and len(log_id) <= 18
    row = await session.scalar(visible(ctx).where(WebhookAttempt.id == int(log_id))) if valid else None
    if row is None:
        raise NotFoundError(f"webhook log entry {log_id} not found")
    return row


async def attempts_for_call(session: AsyncSession, ctx: AuthContext, call_uuid: str, since: datetime,
                            limit: int = 200) -> list[WebhookAttempt]:
    """The requests made about one call (its ``CallUUID``, or a B-leg's ``ALegUUID``, among the
    parameters), oldest first: the attempts logged since the call began."""
    statement = visible(ctx).where(WebhookAttempt.created >= since,
                                   WebhookAttempt.params.contains(call_uuid, autoescape=True))
    return list(await session.scalars(statement.order_by(WebhookAttempt.id).limit(limit)))


def attempt_json(row: WebhookAttempt, auth_id: str) -> dict[str, Any]:
    return {
        "log_id": str(row.id),
        "time": row.created.isoformat(sep=" ", timespec="milliseconds"),
        "account": row.owner_auth_id,
        "kind": row.kind,
        "event": row.event,
        "request_id": row.request_id,
        "attempt": row.attempt,
        "url": row.url,
        "method": row.method,
        "params": orjson.loads(row.params),
        "status_code": row.status_code,
        "latency_ms": row.latency_ms,
        "response_snippet": row.response_snippet,
        "outcome": row.outcome,
        "error": row.error,
        "resource_uri": resource_uri(auth_id, "WebhookLog", str(row.id)),
    }


def attempt_line(row: WebhookAttempt) -> str:
    """One line of ``switchboard logs``."""
    status = str(row.status_code) if row.status_code is not None else "---"
    when = format_time(row.created)
    event = f" [{row.event}]" if row.event else ""
    line = (f"{when} {row.owner_auth_id} {row.kind}{event} #{row.attempt} {row.method} {row.url} -> {status} "
            f"{row.latency_ms:.0f}ms {row.outcome}")
    return f"{line}: {row.error}" if row.error else line
