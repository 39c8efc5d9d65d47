"""billing: usage details on ledger rows (country, direction, quantity) and auto-recharge settings

Rows written before this revision keep the new columns empty; the usage report takes what it
can from the call and message records instead.

Revision ID: 0012_rentals
Revises: 0011_billing
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_rentals"
down_revision: str | Sequence[str] | None = "0011_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("country_iso", "direction", "quantity")


def upgrade() -> None:
    op.add_column("billing_ledger", sa.Column("country_iso", sa.String(length=2), nullable=True))
    op.add_column("billing_ledger", sa.Column("direction", sa.String(length=8), nullable=True))
    op.add_column("billing_ledger", sa.Column("quantity", sa.Integer(), nullable=True))
    op.create_table(
        "billing_auto_recharge",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),  # units of 0.00001
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.auth_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("billing_auto_recharge")
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE billing_ledger DROP COLUMN {column}")
