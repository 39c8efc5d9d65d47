"""``switchboard logs``: the webhook debug log in a terminal, optionally followed live.

Following cannot simply remember the highest id printed: on PostgreSQL an id is taken when a row
is inserted, not when its transaction commits, so a row with a lower id (another node's journal
batch, say) can become visible after a higher one was printed. ``--follow`` therefore keeps
looking below the highest id for a while (:class:`FollowWindow`).
"""

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import Select, select

from switchboard.core.db import Database
from switchboard.webhooks.debuglog import FAILED, attempt_line
from switchboard.webhooks.models import WebhookAttempt

SETTLE_SECONDS = 30.0
"""How long a row may stay uncommitted after a row with a higher id was printed and still be printed."""
LOOK_BACK_IDS = 10_000


def _query(errors: bool, account: str | None) -> Select[tuple[WebhookAttempt]]:
    statement = select(WebhookAttempt)
    if errors:
        statement = statement.where(WebhookAttempt.outcome.in_(FAILED))
    if account:
        column = WebhookAttempt.account_id if account.startswith("MA") else WebhookAttempt.owner_auth_id
        statement = statement.where(column == account)
    return statement


class FollowWindow:
    """Which ids ``--follow`` has printed. ``cursor``: rows at or below it are never looked at
    again; it only moves up to an id printed ``settle`` seconds ago or longer, so a transaction
    that commits a lower id up to ``settle`` seconds after a higher one became visible is still
    found above the cursor. Ids printed above the cursor are remembered so none prints twice."""

    def __init__(self, cursor: int, settle: float = SETTLE_SECONDS, now: Callable[[], float] = time.monotonic):
        self.cursor = cursor
        self.settle = settle
        self._now = now
        self._printed: dict[int, float] = {}

    def fresh(self, ids: list[int]) -> list[int]:
        """Those of ``ids`` not printed yet."""
        return [i for i in ids if i > self.cursor and i not in self._printed]

    def printed(self, ids: list[int]) -> None:
        at = self._now()
        for i in ids:
            self._printed[i] = at
        settled = [i for i, seen in self._printed.items() if at - seen >= self.settle]
        if settled:
            self.cursor = max(self.cursor, max(settled))
            self._printed = {i: seen for i, seen in self._printed.items() if i > self.cursor}


async def show_logs(
    database_url: str,
    *,
    follow: bool,
    errors: bool,
    account: str | None,
    lines: int,
    echo: Callable[[str], None] = print,
    poll_seconds: float = 1.0,
    settle_seconds: float = SETTLE_SECONDS,
) -> None:
    """Print the last ``lines`` attempts (oldest first); with ``follow``, keep printing new ones."""
    db = Database(database_url)
    try:
        await db.migrate()
        statement = _query(errors, account)
        ids = statement.with_only_columns(WebhookAttempt.id)
        async with db.session() as session:
            newest = await session.scalar(select(WebhookAttempt.id).order_by(WebhookAttempt.id.desc()).limit(1))
            # Rows still uncommitted now may have ids below the newest: follow from a little
            # further back, with what is there already counted as printed.
            window = FollowWindow(max((newest or 0) - LOOK_BACK_IDS, 0), settle_seconds)
            known = list((await session.scalars(ids.where(WebhookAttempt.id > window.cursor))).all()) if follow else []
            if known:  # rows committed since `known` was read are left to the follow loop
                statement_recent = statement.where(WebhookAttempt.id <= max(known))
            else:
                statement_recent = statement.where(WebhookAttempt.id <= window.cursor) if follow else statement
            recent = list((await session.scalars(statement_recent.order_by(WebhookAttempt.id.desc()).limit(lines))).all())
        for row in reversed(recent):
            echo(attempt_line(row))
        window.printed(known + [row.id for row in recent])
        while follow:
            await asyncio.sleep(poll_seconds)
            async with db.session() as session:
                visible = list((await session.scalars(ids.where(WebhookAttempt.id > window.cursor))).all())
                new = window.fresh(visible)[:1000]
                rows = (await session.scalars(select(WebhookAttempt).where(WebhookAttempt.id.in_(new)).order_by(WebhookAttempt.id))).all() if new else []
            for row in rows:
                echo(attempt_line(row))
            window.printed([row.id for row in rows])
    finally:
        await db.dispose()
