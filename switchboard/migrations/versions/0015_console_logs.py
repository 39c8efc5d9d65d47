"""webhook_attempts.resource_id (the call or message a request was made for), and the indexes the
console's logs need on a big account

Revision ID: 0015_console_logs
Revises: 0014_console_users
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_console_logs"
down_revision: str | Sequence[str] | None = "0014_console_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_INDEXES = (
    ("ix_calls_account_end_time", "calls", ["account_id", "end_time"]),
    ("ix_calls_account_from_end_time", "calls", ["account_id", "from_number", "end_time"]),
    ("ix_calls_account_to_end_time", "calls", ["account_id", "to_number", "end_time"]),
    ("ix_messages_account_state_time", "messages", ["account_id", "message_state", "message_time"]),
    ("ix_messages_account_from_time", "messages", ["account_id", "from_number", "message_time"]),
    ("ix_messages_account_to_time", "messages", ["account_id", "to_number", "message_time"]),
)


def upgrade() -> None:
    op.add_column("webhook_attempts", sa.Column("resource_id", sa.String(length=36), nullable=False, server_default=""))
    op.create_index("ix_webhook_attempts_resource_id", "webhook_attempts", ["resource_id", "id"])
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in _INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_webhook_attempts_resource_id", table_name="webhook_attempts")
    with op.batch_alter_table("webhook_attempts") as batch:
        batch.drop_column("resource_id")
