"""``switchboard logs``: the webhook debug log in a terminal, optionally followed live."""

import asyncio
from collections.abc import Callable

from sqlalchemy import Select, select

from switchboard.core.db import Database
from switchboard.webhooks.debuglog import FAILED, attempt_line
from switchboard.webhooks.models import WebhookAttempt


def _query(errors: bool, account: str | None) -> Select[tuple[WebhookAttempt]]:
    statement = select(WebhookAttempt)
    if errors:
        statement = statement.where(WebhookAttempt.outcome.in_(FAILED))
    if account:
        column = WebhookAttempt.account_id if account.startswith("MA") else WebhookAttempt.owner_auth_id
        statement = statement.where(column == account)
    return statement


async def show_logs(
    database_url: str,
    *,
    follow: bool,
    errors: bool,
    account: str | None,
    lines: int,
    echo: Callable[[str], None] = print,
    poll_seconds: float = 1.0,
) -> None:
    """Print the last ``lines`` attempts (oldest first); with ``follow``, keep printing new ones."""
    db = Database(database_url)
    try:
        await db.migrate()
        statement = _query(errors, account)
        async with db.session() as session:
            recent = list((await session.scalars(statement.order_by(WebhookAttempt.id.desc()).limit(lines))).all())
            newest = await session.scalar(select(WebhookAttempt.id).order_by(WebhookAttempt.id.desc()).limit(1))
        for row in reversed(recent):
            echo(attempt_line(row))
        last = newest or 0
        while follow:
            await asyncio.sleep(poll_seconds)
            async with db.session() as session:
                fresh = (await session.scalars(statement.where(WebhookAttempt.id > last).order_by(WebhookAttempt.id).limit(1000))).all()
            for row in fresh:
                echo(attempt_line(row))
                last = max(last, row.id)
    finally:
        await db.dispose()
