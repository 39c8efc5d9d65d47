"""every hot lookup leads an index: segments keyed by (carrier_id, connector) and looked up by
(message_id, connector); messages by (carrier_message_id, connector), and the pipeline's queue
by (message_direction, dispatch_at) over the rows with work pending; the webhook outbox's
poller by next_attempt_at over the rows no node holds

A generic plan PostgreSQL made for a prepared statement while these tables were nearly empty
read every row of the connector for each carrier id (connector first), or the whole messages
table for each receipt batch and each dispatch poll (an index on one of two columns); the
outbox's poller read every row in flight each time it looked for rows to claim.

Revision ID: lookup_indexes
Revises: recording_lease
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "lookup_indexes"
down_revision: str | Sequence[str] | None = "recording_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _primary_key(columns: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE carrier_segments DROP CONSTRAINT carrier_segments_pkey, ADD PRIMARY KEY ({', '.join(columns)})")
    else:  # SQLite cannot change a primary key in place: the table is copied
        with op.batch_alter_table("carrier_segments", recreate="always") as batch:
            batch.create_primary_key("carrier_segments_pkey", columns)


def upgrade() -> None:
    _primary_key(["carrier_id", "connector"])
    op.drop_index("ix_carrier_segments_message_id", table_name="carrier_segments")
    op.create_index("ix_carrier_segments_message_id_connector", "carrier_segments", ["message_id", "connector"])
    op.drop_index("ix_messages_carrier_message_id", table_name="messages")
    op.create_index("ix_messages_carrier_message_id_connector", "messages", ["carrier_message_id", "connector"])
    op.drop_index("ix_messages_dispatch_at", table_name="messages")
    pending = sa.text("dispatch_at IS NOT NULL")
    op.create_index("ix_messages_due", "messages", ["message_direction", "dispatch_at"], postgresql_where=pending, sqlite_where=pending)
    op.drop_index("ix_webhook_notifications_due", table_name="webhook_notifications")
    unleased = sa.text("lease_owner IS NULL")
    op.create_index("ix_webhook_notifications_unleased", "webhook_notifications", ["next_attempt_at"],
                    postgresql_where=unleased, sqlite_where=unleased)


def downgrade() -> None:
    op.drop_index("ix_webhook_notifications_unleased", table_name="webhook_notifications")
    op.create_index("ix_webhook_notifications_due", "webhook_notifications", ["next_attempt_at"])
    op.drop_index("ix_messages_due", table_name="messages")
    op.create_index("ix_messages_dispatch_at", "messages", ["dispatch_at"])
    op.drop_index("ix_messages_carrier_message_id_connector", table_name="messages")
    op.create_index("ix_messages_carrier_message_id", "messages", ["carrier_message_id"])
    op.drop_index("ix_carrier_segments_message_id_connector", table_name="carrier_segments")
    op.create_index("ix_carrier_segments_message_id", "carrier_segments", ["message_id"])
    _primary_key(["connector", "carrier_id"])
