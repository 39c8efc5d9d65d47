"""calls: the caller's STIR attestation, the SIP source address and the conference of a call record

Revision ID: 0010_call_record_fields
Revises: lookup_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_call_record_fields"
down_revision: str | Sequence[str] | None = "lookup_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("stir_attestation", sa.String(length=16), nullable=False, server_default=""))
    op.add_column("calls", sa.Column("source_ip", sa.String(length=64), nullable=False, server_default=""))
    op.add_column("calls", sa.Column("conference_uuid", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        for column in ("conference_uuid", "source_ip", "stir_attestation"):
            batch.drop_column(column)
