"""webhook_notifications.host: the destination host:port of each outbox row, so a node can leave
the rows of a host whose queue is full in the database and claim other hosts' rows

Revision ID: 0008_i4_notification_host
Revises: 0007_merge
"""

from collections.abc import Sequence
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision: str = "0008_i4_notification_host"
down_revision: str | Sequence[str] | None = "0007_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=300), nullable=False, server_default=""))
    table = sa.table("webhook_notifications", sa.column("notification_id", sa.String), sa.column("url", sa.String),
                     sa.column("host", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(table.c.notification_id, table.c.url)).all()
    for notification_id, url in rows:
        connection.execute(table.update().where(table.c.notification_id == notification_id).values(host=safe_host_key(url)))


def safe_host_key(url: str) -> str:
    """``host:port`` as ``switchboard.webhooks.urls.host_key`` computed it when this was written."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{(parts.hostname or '').lower()}:{port}"[:300] if "://" in url else "invalid"
    except ValueError:
        return "invalid"


def downgrade() -> None:
    with op.batch_alter_table("webhook_notifications", schema=None) as batch_op:
        batch_op.drop_column("host")
