"""webhook_attempts.resource_id (the call or message a request was made for), and the indexes the
console's logs need on a big account

Revision ID: 0014_console_logs
Revises: 0013_recording_storage
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_console_logs"
down_revision: str | Sequence[str] | None = "0013_recording_storage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_attempts", sa.Column("resource_id", sa.String(length=36), nullable=False, server_default=""))
    op.create_index("ix_webhook_attempts_resource_id", "webhook_attempts", ["resource_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempts_resource_id", table_name="webhook_attempts")
    with op.batch_alter_table("webhook_attempts") as batch:
        batch.drop_column("resource_id")
