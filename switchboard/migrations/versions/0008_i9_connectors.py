"""carrier connectors: connector configuration, messaging routes, carrier id correlation

Revision ID: 0008_i9_connectors
Revises: 0007_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_i9_connectors"
down_revision: str | Sequence[str] | None = "0007_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("message_connectors",
    sa.Column("name", sa.String(length=32), nullable=False),
    sa.Column("account_id", sa.String(length=20), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("settings", sa.Text(), nullable=False),
    sa.Column("failover", sa.String(length=32), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.auth_id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("name")
    )
    with op.batch_alter_table("message_connectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_connectors_account_id"), ["account_id"], unique=False)

    op.create_table("messaging_routes",
    sa.Column("account_id", sa.String(length=20), nullable=False),
    sa.Column("prefix", sa.String(length=16), nullable=False),
    sa.Column("connector", sa.String(length=32), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.auth_id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("account_id", "prefix")
    )

    op.create_table("carrier_segments",
    sa.Column("connector", sa.String(length=32), nullable=False),
    sa.Column("carrier_id", sa.String(length=80), nullable=False),
    sa.Column("message_id", sa.String(length=80), nullable=True),
    sa.Column("total", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(length=16), nullable=True),
    sa.Column("error_code", sa.Integer(), nullable=True),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("connector", "carrier_id")
    )
    with op.batch_alter_table("carrier_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carrier_segments_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_carrier_segments_created"), ["created"], unique=False)


def downgrade() -> None:
    op.drop_table("carrier_segments")
    op.drop_table("messaging_routes")
    op.drop_table("message_connectors")
