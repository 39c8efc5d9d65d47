"""Event notifications stored in another area's own transaction.

:meth:`Webhooks.notify` commits a notification on its own. Code whose state change and callback
must be committed together (a message's new state and its status callback: a crash can then
neither lose the callback nor send one for a change that did not happen) builds the row with
:func:`notification_row`, adds it to its open transaction with :func:`enqueue`, commits, and then
calls ``webhooks.wake()``. Such rows carry no lease: any node's poller claims them (at once after
``wake()``, otherwise within ``poll_seconds``), and they are delivered like any other. Hot paths
pass the rows through ``webhooks.lease()`` first and call ``webhooks.hand_over()`` after the
commit instead: the rows are stored with this node's lease and delivered from memory, with no
poll and no claim (a read and an update per row saved); rows whose host has no room are left
without a lease for the poller.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.core.ids import new_uuid
from switchboard.webhooks.models import WebhookNotification
from switchboard.webhooks.urls import delivery_unit, normalize_params

_OUTBOX = WebhookNotification.__table__
"""Inserted as a Core table: SQLAlchemy's ORM bulk-insert path costs more per row than the statement."""


def notification_row(
    *,
    account_id: str,
    owner_auth_id: str,
    url: str,
    method: str,
    params: Mapping[str, Any] | None,
    event: str,
    now: datetime,
) -> dict[str, Any]:
    """An outbox row for :func:`enqueue`. ``account_id`` is the main account, ``owner_auth_id``
    the (sub)account whose token signs the request; ``url`` may carry a ``#ct=…&rc=…`` fragment.
    Its ``notification_id`` is the stable id every attempt sends."""
    return {
        "notification_id": new_uuid(),
        "account_id": account_id,
        "owner_auth_id": owner_auth_id,
        "event": event[:64],
        "url": url,
        "host": delivery_unit(url, owner_auth_id),
        "method": method.upper(),
        "params": orjson.dumps(normalize_params(params)).decode(),
        "attempts": 0,
        "created": now,
        "next_attempt_at": now,
        "last_error": "",
        "lease_owner": None,
        "lease_until": None,
    }


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (from :func:`notification_row`) into ``session``'s transaction; the caller
    commits, then calls ``webhooks.wake()``."""
    if rows:
        await session.execute(insert(_OUTBOX), list(rows))
