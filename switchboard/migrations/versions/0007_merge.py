"""merge voice and messaging

Revision ID: 0007_merge
Revises: 0005_voice, 0006_messaging
"""

from collections.abc import Sequence

revision: str = "0007_merge"
down_revision: str | Sequence[str] | None = ("0005_voice", "0006_messaging")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
