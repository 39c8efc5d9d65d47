"""recordings: the month of their last storage charge and its amount

Revision ID: 0013_recording_storage
Revises: 0012_rentals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_recording_storage"
down_revision: str | Sequence[str] | None = "0012_rentals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("storage_month", sa.String(length=7), nullable=True))
    # units of 0.00001, like every Money column
    op.add_column("recordings", sa.Column("storage_amount", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("storage_amount")
        batch.drop_column("storage_month")
