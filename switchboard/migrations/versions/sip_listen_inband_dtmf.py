"""carriers: in-band DTMF detection option

Revision ID: sip_listen_inband_dtmf
Revises: 0009_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sip_listen_inband_dtmf"
down_revision: str | Sequence[str] | None = "0009_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
TABLES = ("incoming_carriers", "outgoing_carriers")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("inband_dtmf", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("inband_dtmf")
