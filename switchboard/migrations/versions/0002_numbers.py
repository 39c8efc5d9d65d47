"""numbers, carriers and endpoints

Revision ID: 0002_numbers
Revises: 0001_accounts
Create Date: 2026-11-22 19:39:51.017712
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_numbers'
down_revision: str | Sequence[str] | None = '0001_accounts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('incoming_carriers',
    sa.Column('carrier_id', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('ip_set', sa.Text(), nullable=False),
    sa.Column('voice', sa.Boolean(), nullable=False),
    sa.Column('sms', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('carrier_id')
    )
    with op.batch_alter_table('incoming_carriers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_carriers_account_id'), ['account_id'], unique=False)

    op.create_table('outgoing_carriers',
    sa.Column('carrier_id', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('ips', sa.Text(), nullable=False),
    sa.Column('failover_address', sa.String(length=255), nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('failover_prefix', sa.String(length=32), nullable=False),
    sa.Column('suffix', sa.String(length=32), nullable=False),
    sa.Column('retries', sa.Integer(), nullable=False),
    sa.Column('retry_seconds', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('carrier_id')
    )
    with op.batch_alter_table('outgoing_carriers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_carriers_account_id'), ['account_id'], unique=False)

    op.create_table('endpoints',
    sa.Column('endpoint_id', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('sub_account_id', sa.String(length=20), nullable=True),
    sa.Column('app_id', sa.String(length=20), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('alias', sa.String(length=255), nullable=False),
    sa.Column('password_ha1', sa.String(length=32), nullable=False),
    sa.Column('sip_realm', sa.String(length=255), nullable=False),
    sa.Column('sip_registered', sa.Boolean(), nullable=False),
    sa.Column('sip_contact', sa.String(length=1024), nullable=True),
    sa.Column('sip_expires', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sip_user_agent', sa.String(length=255), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['app_id'], ['applications.app_id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sub_account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('endpoint_id'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_endpoints_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_endpoints_app_id'), ['app_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_endpoints_sub_account_id'), ['sub_account_id'], unique=False)

    op.create_table('numbers',
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('sub_account_id', sa.String(length=20), nullable=True),
    sa.Column('app_id', sa.String(length=20), nullable=True),
    sa.Column('carrier_id', sa.String(length=20), nullable=True),
    sa.Column('alias', sa.String(length=255), nullable=True),
    sa.Column('country_iso', sa.String(length=2), nullable=False),
    sa.Column('number_type', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=255), nullable=False),
    sa.Column('city', sa.String(length=255), nullable=False),
    sa.Column('voice_enabled', sa.Boolean(), nullable=False),
    sa.Column('sms_enabled', sa.Boolean(), nullable=False),
    sa.Column('mms_enabled', sa.Boolean(), nullable=False),
    sa.Column('monthly_rental_rate', sa.Numeric(precision=12, scale=5), nullable=False),
    sa.Column('voice_rate', sa.Numeric(precision=12, scale=5), nullable=False),
    sa.Column('sms_rate', sa.Numeric(precision=12, scale=5), nullable=False),
    sa.Column('mms_rate', sa.Numeric(precision=12, scale=5), nullable=False),
    sa.Column('cnam_lookup', sa.String(length=16), nullable=True),
    sa.Column('tendlc_registration_status', sa.String(length=32), nullable=True),
    sa.Column('tendlc_campaign_id', sa.String(length=64), nullable=True),
    sa.Column('toll_free_sms_verification', sa.String(length=32), nullable=True),
    sa.Column('added_on', sa.DateTime(timezone=True), nullable=False),
    sa.Column('renewal_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['app_id'], ['applications.app_id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['carrier_id'], ['incoming_carriers.carrier_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sub_account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('number')
    )
    with op.batch_alter_table('numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_numbers_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_numbers_app_id'), ['app_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_numbers_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_numbers_country_iso'), ['country_iso'], unique=False)
        batch_op.create_index(batch_op.f('ix_numbers_renewal_date'), ['renewal_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_numbers_sub_account_id'), ['sub_account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_numbers_sub_account_id'))
        batch_op.drop_index(batch_op.f('ix_numbers_renewal_date'))
        batch_op.drop_index(batch_op.f('ix_numbers_country_iso'))
        batch_op.drop_index(batch_op.f('ix_numbers_carrier_id'))
        batch_op.drop_index(batch_op.f('ix_numbers_app_id'))
        batch_op.drop_index(batch_op.f('ix_numbers_account_id'))

    op.drop_table('numbers')
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_endpoints_sub_account_id'))
        batch_op.drop_index(batch_op.f('ix_endpoints_app_id'))
        batch_op.drop_index(batch_op.f('ix_endpoints_account_id'))

    op.drop_table('endpoints')
    with op.batch_alter_table('outgoing_carriers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_carriers_account_id'))

    op.drop_table('outgoing_carriers')
    with op.batch_alter_table('incoming_carriers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incoming_carriers_account_id'))

    op.drop_table('incoming_carriers')
