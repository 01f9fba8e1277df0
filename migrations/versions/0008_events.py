"""scheduled events, RSVPs, meeting threads, attendance and standing availability

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'standing_availability',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('weekdays_off', sa.String(length=7), nullable=False),
        sa.Column('not_before', sa.Time(), nullable=True),
        sa.Column('not_after', sa.Time(), nullable=True),
        sa.Column('updated_at', bot.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['member_id'], ['members.id'],
            name=op.f('fk_standing_availability_member_id_members'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('member_id', name=op.f('pk_standing_availability')),
    )
    op.create_table(
        'meeting_mirrors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column(
            'state',
            sa.Enum(
                'claimed', 'active', 'cancelled', 'gone', name='mirror_state',
                native_enum=False, create_constraint=True, length=32,
            ),
            nullable=False,
        ),
        sa.Column('guild_event_id', sa.BigInteger(), nullable=True),
        sa.Column('claimed_at', bot.db.UtcDateTime(), nullable=False),
        sa.Column('synced_at', bot.db.UtcDateTime(), nullable=True),
        sa.Column('rsvp_synced_at', bot.db.UtcDateTime(), nullable=True),
        sa.Column('thread_channel_id', sa.BigInteger(), nullable=True),
        sa.Column('thread_id', sa.BigInteger(), nullable=True),
        sa.Column('thread_claimed_at', bot.db.UtcDateTime(), nullable=True),
        sa.Column('prompt_claimed_at', bot.db.UtcDateTime(), nullable=True),
        sa.Column('attendance_claimed_at', bot.db.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'],
            name=op.f('fk_meeting_mirrors_meeting_id_meetings'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_mirrors')),
        sa.UniqueConstraint('meeting_id', name=op.f('uq_meeting_mirrors_meeting_id')),
    )
    with op.batch_alter_table('meeting_mirrors', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_meeting_mirrors_guild_event_id'), ['guild_event_id'], unique=False
        )
    op.create_table(
        'meeting_rsvps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'],
            name=op.f('fk_meeting_rsvps_meeting_id_meetings'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_rsvps')),
        sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_rsvps_meeting_id')),
    )
    with op.batch_alter_table('meeting_rsvps', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_meeting_rsvps_meeting_id'), ['meeting_id'], unique=False
        )
    op.create_table(
        'meeting_attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('recorded_by', sa.BigInteger(), nullable=True),
        sa.Column('recorded_at', bot.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'],
            name=op.f('fk_meeting_attendance_meeting_id_meetings'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['member_id'], ['members.id'],
            name=op.f('fk_meeting_attendance_member_id_members'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
        sa.UniqueConstraint(
            'meeting_id', 'member_id', name=op.f('uq_meeting_attendance_meeting_id')
        ),
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_meeting_attendance_member_id'), ['member_id'], unique=False
        )
    op.create_table(
        'events_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('first_at', bot.db.UtcDateTime(), nullable=False),
        sa.Column('last_at', bot.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_events_notices')),
        sa.UniqueConstraint('kind', name=op.f('uq_events_notices_kind')),
    )
    op.create_table(
        'events_leases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('until', bot.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_events_leases')),
        sa.UniqueConstraint('name', name=op.f('uq_events_leases_name')),
    )


def downgrade() -> None:
    op.drop_table('events_leases')
    op.drop_table('events_notices')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_member_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_meeting_id'))
    op.drop_table('meeting_attendance')
    with op.batch_alter_table('meeting_rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_rsvps_meeting_id'))
    op.drop_table('meeting_rsvps')
    with op.batch_alter_table('meeting_mirrors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_mirrors_guild_event_id'))
    op.drop_table('meeting_mirrors')
    op.drop_table('standing_availability')
