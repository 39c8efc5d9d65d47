"""webhooks: the outbox of event notifications and the log of every attempt

Revision ID: 0003_webhooks
Revises: 0001_accounts
Create Date: 2026-11-22 19:42:18.036757
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_webhooks'
down_revision: str | Sequence[str] | None = '0001_accounts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('owner_auth_id', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('method', sa.String(length=4), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('response_snippet', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_attempts_account_id_id', ['account_id', 'id'], unique=False)
        batch_op.create_index('ix_webhook_attempts_created', ['created'], unique=False)
        batch_op.create_index('ix_webhook_attempts_owner_auth_id', ['owner_auth_id'], unique=False)
        batch_op.create_index('ix_webhook_attempts_request_id', ['request_id'], unique=False)

    op.create_table('webhook_notifications',
    sa.Column('notification_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('owner_auth_id', sa.String(length=20), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('method', sa.String(length=4), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sa.String(length=36), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('notification_id')
    )
    with op.batch_alter_table('webhook_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_notifications_due', ['next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_notifications_lease_owner', ['lease_owner'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_notifications_lease_owner')
        batch_op.drop_index('ix_webhook_notifications_due')

    op.drop_table('webhook_notifications')
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_attempts_request_id')
        batch_op.drop_index('ix_webhook_attempts_owner_auth_id')
        batch_op.drop_index('ix_webhook_attempts_created')
        batch_op.drop_index('ix_webhook_attempts_account_id_id')

    op.drop_table('webhook_attempts')
