"""outbound sending, notification preferences and quiet hours

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('meeting_reminders', sa.Boolean(), nullable=False),
    sa.Column('learning_prompts', sa.Boolean(), nullable=False),
    sa.Column('consult_invitations', sa.Boolean(), nullable=False),
    sa.Column('quiet_start_minute', sa.Integer(), nullable=True),
    sa.Column('quiet_end_minute', sa.Integer(), nullable=True),
    sa.Column('updated_at', bot.db.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences'))
    )
    op.create_table('outbound_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.Enum('meeting_reminder', 'learning_prompt', 'consult_invitation', 'renewal_prompt', 'invite', 'notice', name='outbound_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_batches')),
    sa.UniqueConstraint('key', name=op.f('uq_outbound_batches_key'))
    )
    op.create_table('outbound_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('meeting_reminder', 'learning_prompt', 'consult_invitation', 'renewal_prompt', 'invite', 'notice', name='outbound_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('template', sa.String(length=80), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'skipped', 'failed', 'cancelled', name='outbound_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('due_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('next_attempt_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('claim_token', sa.String(length=40), nullable=True),
    sa.Column('sent_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('quiet_delayed', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['outbound_batches.id'], name=op.f('fk_outbound_items_batch_id_outbound_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_items')),
    sa.UniqueConstraint('key', name=op.f('uq_outbound_items_key'))
    )
    with op.batch_alter_table('outbound_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_items_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_outbound_items_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_items_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbound_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_items_user_id'))
        batch_op.drop_index('ix_outbound_items_status_next')
        batch_op.drop_index(batch_op.f('ix_outbound_items_batch_id'))
    op.drop_table('outbound_items')
    op.drop_table('outbound_batches')
    op.drop_table('notification_preferences')
