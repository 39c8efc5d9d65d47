"""merge the webhooks, recordings, connectors and SIP bindings heads

Revision ID: 0009_merge
Revises: 0008_i4_notification_host, 0008_i7_recordings, 0008_i9_connectors, 0008_i10_sip_bindings
"""

from collections.abc import Sequence

revision: str = "0009_merge"
down_revision: str | Sequence[str] | None = (
    "0008_i4_notification_host", "0008_i7_recordings", "0008_i9_connectors", "0008_i10_sip_bindings",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
