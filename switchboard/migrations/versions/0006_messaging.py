"""messaging: messages (MDRs), media and their links, opt-outs, per-account settings, inbound parts

Revision ID: 0006_messaging
Revises: 0004_merge
Create Date: 2026-11-22 19:59:45.280743
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_messaging'
down_revision: str | Sequence[str] | None = '0004_merge'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('message_inbound_parts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('from_number', sa.String(length=64), nullable=False),
    sa.Column('to_number', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('seqnum', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_inbound_parts', schema=None) as batch_op:
        batch_op.create_index('ix_message_inbound_parts_key', ['to_number', 'from_number', 'reference'], unique=False)

    op.create_table('media',
    sa.Column('media_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('sub_account_id', sa.String(length=20), nullable=True),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('upload_time', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sub_account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('media_id')
    )
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_sub_account_id'), ['sub_account_id'], unique=False)

    op.create_table('message_opt_outs',
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('handset', sa.String(length=20), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'number', 'handset')
    )
    op.create_table('messages',
    sa.Column('message_uuid', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('sub_account_id', sa.String(length=20), nullable=True),
    sa.Column('message_direction', sa.String(length=8), nullable=False),
    sa.Column('message_type', sa.String(length=8), nullable=False),
    sa.Column('message_state', sa.String(length=16), nullable=False),
    sa.Column('from_number', sa.String(length=64), nullable=False),
    sa.Column('to_number', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('encoding', sa.String(length=8), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('total_rate', sa.Numeric(precision=12, scale=5), nullable=False),
    sa.Column('total_amount', sa.Numeric(precision=12, scale=5), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('method', sa.String(length=4), nullable=False),
    sa.Column('log', sa.Boolean(), nullable=False),
    sa.Column('powerpack_uuid', sa.String(length=36), nullable=True),
    sa.Column('destination_country_iso2', sa.String(length=2), nullable=False),
    sa.Column('message_intent', sa.String(length=8), nullable=False),
    sa.Column('requester_ip', sa.String(length=64), nullable=False),
    sa.Column('message_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivery_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('dispatch_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('connector', sa.String(length=32), nullable=False),
    sa.Column('carrier_message_id', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sub_account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_uuid')
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_account_time', ['account_id', 'message_time'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_carrier_message_id'), ['carrier_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_dispatch_at'), ['dispatch_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_sub_account_id'), ['sub_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_to_number'), ['to_number'], unique=False)

    op.create_table('messaging_settings',
    sa.Column('account_id', sa.String(length=20), nullable=False),
    sa.Column('opt_out', sa.String(length=8), nullable=False),
    sa.Column('help_text', sa.Text(), nullable=False),
    sa.Column('stop_text', sa.Text(), nullable=False),
    sa.Column('start_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.auth_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id')
    )
    op.create_table('message_media',
    sa.Column('message_uuid', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['media_id'], ['media.media_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_uuid'], ['messages.message_uuid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_uuid', 'position')
    )
    with op.batch_alter_table('message_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_media_media_id'), ['media_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('message_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_media_media_id'))

    op.drop_table('message_media')
    op.drop_table('messaging_settings')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_to_number'))
        batch_op.drop_index(batch_op.f('ix_messages_sub_account_id'))
        batch_op.drop_index(batch_op.f('ix_messages_dispatch_at'))
        batch_op.drop_index(batch_op.f('ix_messages_carrier_message_id'))
        batch_op.drop_index('ix_messages_account_time')

    op.drop_table('messages')
    op.drop_table('message_opt_outs')
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_sub_account_id'))
        batch_op.drop_index(batch_op.f('ix_media_account_id'))

    op.drop_table('media')
    with op.batch_alter_table('message_inbound_parts', schema=None) as batch_op:
        batch_op.drop_index('ix_message_inbound_parts_key')

    op.drop_table('message_inbound_parts')
