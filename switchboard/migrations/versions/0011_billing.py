"""billing: the ledger and coupons; an account's balance moves from a column to the ledger

Existing main accounts become postpaid (nothing was charged before, and a prepaid account with
no credit would be refused service once credit is enforced); a non-zero ``cash_credits`` becomes
the account's opening credit in the ledger.

Revision ID: 0011_billing
Revises: 0010_call_record_fields
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0011_billing"
down_revision: str | Sequence[str] | None = "0010_call_record_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _units(amount: object) -> int:
    return int(Decimal(str(amount)).quantize(Decimal("0.00001")).scaleb(5))


def upgrade() -> None:
    ledger = op.create_table(
        "billing_ledger",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("sub_account_id", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),  # units of 0.00001
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.CheckConstraint("(kind = 'charge' AND amount <= 0) OR (kind = 'credit' AND amount >= 0)",
                           name="ck_billing_ledger_sign"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.auth_id"]),
        sa.PrimaryKeyConstraint("entry_id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_billing_ledger_account_created", "billing_ledger", ["account_id", "created"])
    op.create_index(op.f("ix_billing_ledger_sub_account_id"), "billing_ledger", ["sub_account_id"])
    op.create_table(
        "billing_coupons",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),  # units of 0.00001
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_by", sa.String(length=20), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    connection = op.get_bind()
    opening = connection.execute(sa.text(
        "SELECT auth_id, cash_credits FROM accounts WHERE parent_auth_id IS NULL AND cash_credits <> 0")).all()
    now = datetime.now(UTC)
    rows = [{"account_id": auth_id, "sub_account_id": None, "kind": "credit" if amount > 0 else "charge",
             "resource_type": "opening_balance", "resource_id": auth_id, "amount": _units(amount), "created": now,
             "idempotency_key": f"opening:{auth_id}"} for auth_id, amount in opening]
    if rows:
        op.bulk_insert(ledger, rows)
    connection.execute(sa.text("UPDATE accounts SET billing_mode = 'postpaid'"))
    # Not a batch (copy-and-rename) on SQLite: dropping the accounts table, even to rename a copy,
    # would cascade its foreign keys and delete every account's resources. SQLite 3.35+ drops a
    # column in place.
    connection.execute(sa.text("ALTER TABLE accounts DROP COLUMN cash_credits"))


def downgrade() -> None:
    op.execute("ALTER TABLE accounts ADD COLUMN cash_credits NUMERIC(20, 5) NOT NULL DEFAULT 0")
    op.execute("UPDATE accounts SET cash_credits = COALESCE((SELECT SUM(amount) / 100000.0 FROM billing_ledger "
               "WHERE billing_ledger.account_id = accounts.auth_id), 0)")
    op.drop_table("billing_coupons")
    op.drop_index(op.f("ix_billing_ledger_sub_account_id"), table_name="billing_ledger")
    op.drop_index("ix_billing_ledger_account_created", table_name="billing_ledger")
    op.drop_table("billing_ledger")
