"""SIP registrar bindings

Revision ID: 0008_i10_sip_bindings
Revises: 0007_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_i10_sip_bindings"
down_revision: str | Sequence[str] | None = "0007_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sip_bindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint_id", sa.String(length=20), nullable=False),
        sa.Column("contact", sa.String(length=1024), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("cseq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["endpoints.endpoint_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint_id", "contact"),
    )
    op.create_index("ix_sip_bindings_endpoint_id", "sip_bindings", ["endpoint_id"])
    op.create_index("ix_sip_bindings_expires", "sip_bindings", ["expires"])


def downgrade() -> None:
    op.drop_table("sip_bindings")
