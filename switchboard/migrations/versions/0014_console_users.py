"""console users: email and password sign-in to a main account's console

Revision ID: 0014_console_users
Revises: 0013_recording_storage
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_console_users"
down_revision: str | Sequence[str] | None = "0013_recording_storage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("auth_id", sa.String(length=20), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["auth_id"], ["accounts.auth_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("email"),
    )
    op.create_index(op.f("ix_console_users_auth_id"), "console_users", ["auth_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_console_users_auth_id"), table_name="console_users")
    op.drop_table("console_users")
