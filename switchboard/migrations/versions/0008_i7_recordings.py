"""recordings (with their transcription)

Revision ID: 0008_i7_recordings
Revises: 0007_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_i7_recordings"
down_revision: str | Sequence[str] | None = "0007_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXED = ("account_id", "sub_account_id", "call_uuid", "conference_name", "conference_uuid", "mpc_name",
            "mpc_uuid", "from_number", "to_number", "state", "add_time")


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("recording_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("sub_account_id", sa.String(length=20), nullable=True),
        sa.Column("call_uuid", sa.String(length=36), nullable=False),
        sa.Column("recording_type", sa.String(length=16), nullable=False),
        sa.Column("conference_name", sa.String(length=256), nullable=False),
        sa.Column("conference_uuid", sa.String(length=36), nullable=False),
        sa.Column("mpc_name", sa.String(length=256), nullable=False),
        sa.Column("mpc_uuid", sa.String(length=36), nullable=False),
        sa.Column("from_number", sa.String(length=256), nullable=False),
        sa.Column("to_number", sa.String(length=256), nullable=False),
        sa.Column("recording_format", sa.String(length=8), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("add_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recording_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("recording_end_ms", sa.BigInteger(), nullable=False),
        sa.Column("recording_duration_ms", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("transcription_type", sa.String(length=8), nullable=False),
        sa.Column("transcription_url", sa.String(length=2048), nullable=False),
        sa.Column("transcription_method", sa.String(length=8), nullable=False),
        sa.Column("transcription_status", sa.String(length=16), nullable=False),
        sa.Column("transcription", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.auth_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sub_account_id"], ["accounts.auth_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("recording_id"),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        for column in _INDEXED:
            batch_op.create_index(batch_op.f(f"ix_recordings_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        for column in reversed(_INDEXED):
            batch_op.drop_index(batch_op.f(f"ix_recordings_{column}"))
    op.drop_table("recordings")
