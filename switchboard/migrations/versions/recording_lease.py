"""recordings: a lease on rows being recorded, so a crashed node's rows are finished by another

Revision ID: recording_lease
Revises: sip_listen_inband_dtmf
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "recording_lease"
down_revision: str | Sequence[str] | None = "sip_listen_inband_dtmf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("lease_until")
