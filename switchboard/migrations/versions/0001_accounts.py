"""accounts and applications

Revision ID: 0001_accounts
Revises: 
Create Date: 2026-11-22 19:33:58.133659
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001_accounts'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('auth_id', sa.String(length=20), nullable=False),
    sa.Column('auth_token', sa.String(length=40), nullable=False),
    sa.Column('parent_auth_id', sa.String(length=20), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('account_type', sa.String(length=20), nullable=False),
    sa.Column('billing_mode', sa.String(length=20), nullable=False),
    sa.Column('cash_credits', sa.Numeric(precision=20, scale=5), nullable=False),
    sa.Column('auto_recharge', sa.Boolean(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('city', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=255), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modified', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['parent_auth_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('auth_id')
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_parent_auth_id'), ['parent_auth_id'], unique=False)

    op.create_table('applications',
    sa.Column('app_id', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('sub_account_id', sa.String(length=20), nullable=True),
    sa.Column('app_name', sa.String(length=255), nullable=False),
    sa.Column('answer_url', sa.String(length=2048), nullable=False),
    sa.Column('answer_method', sa.String(length=4), nullable=False),
    sa.Column('hangup_url', sa.String(length=2048), nullable=False),
    sa.Column('hangup_method', sa.String(length=4), nullable=False),
    sa.Column('fallback_answer_url', sa.String(length=2048), nullable=False),
    sa.Column('fallback_method', sa.String(length=4), nullable=False),
    sa.Column('message_url', sa.String(length=2048), nullable=False),
    sa.Column('message_method', sa.String(length=4), nullable=False),
    sa.Column('default_number_app', sa.Boolean(), nullable=False),
    sa.Column('default_endpoint_app', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('public_uri', sa.Boolean(), nullable=False),
    sa.Column('log_incoming_messages', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sub_account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('app_id')
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_sub_account_id'), ['sub_account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_sub_account_id'))
        batch_op.drop_index(batch_op.f('ix_applications_account_id'))

    op.drop_table('applications')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_parent_auth_id'))

    op.drop_table('accounts')
