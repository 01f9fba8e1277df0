"""offers and needs, connection rounds, buddies and partnerships

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('connection_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('checkin_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection_rounds')),
    sa.UniqueConstraint('starts_at', name=op.f('uq_connection_rounds_starts_at'))
    )
    op.create_table('buddies',
    sa.Column('newcomer_id', sa.Integer(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('buddy_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('asking', 'accepted', 'none', name='buddy_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('accepted_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('checkin_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('checkin_sent', sa.Boolean(), nullable=False),
    sa.Column('role_offer', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['buddy_id'], ['members.id'], name=op.f('fk_buddies_buddy_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['newcomer_id'], ['members.id'], name=op.f('fk_buddies_newcomer_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('newcomer_id', name=op.f('pk_buddies'))
    )
    with op.batch_alter_table('buddies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buddies_checkin_at'), ['checkin_at'], unique=False)

    op.create_table('connection_optins',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_connection_optins_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_connection_optins'))
    )
    op.create_table('connection_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('pair_no', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('answer', sa.Enum('met', 'not_yet', 'skip', name='connection_checkin', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('answered_at', bot.db.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_connection_pairs_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['connection_rounds.id'], name=op.f('fk_connection_pairs_round_id_connection_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection_pairs')),
    sa.UniqueConstraint('round_id', 'member_id', name=op.f('uq_connection_pairs_round_id'))
    )
    with op.batch_alter_table('connection_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connection_pairs_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connection_pairs_round_id'), ['round_id'], unique=False)

    op.create_table('member_offers',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('offer_tags', sa.JSON(), nullable=False),
    sa.Column('need_tags', sa.JSON(), nullable=False),
    sa.Column('sentences', sa.LargeBinary(), nullable=True),
    sa.Column('key_id', sa.String(length=16), nullable=True),
    sa.Column('updated_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_offers_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_offers'))
    )
    with op.batch_alter_table('member_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_offers_key_id'), ['key_id'], unique=False)

    op.create_table('partnerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('open_pair', sa.String(length=50), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'active', 'paused', 'complete', 'declined', name='partnership_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('updated_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('checkin_due_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('outcome_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcomes.id'], name=op.f('fk_partnerships_outcome_id_outcomes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['members.id'], name=op.f('fk_partnerships_partner_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposer_id'], ['members.id'], name=op.f('fk_partnerships_proposer_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnerships')),
    sa.UniqueConstraint('open_pair', name=op.f('uq_partnerships_open_pair'))
    )
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnerships_checkin_due_at'), ['checkin_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnerships_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnerships_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnerships_proposer_id'), ['proposer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnerships_proposer_id'))
        batch_op.drop_index(batch_op.f('ix_partnerships_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partnerships_key_id'))
        batch_op.drop_index(batch_op.f('ix_partnerships_checkin_due_at'))

    op.drop_table('partnerships')
    with op.batch_alter_table('member_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_offers_key_id'))

    op.drop_table('member_offers')
    with op.batch_alter_table('connection_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connection_pairs_round_id'))
        batch_op.drop_index(batch_op.f('ix_connection_pairs_member_id'))

    op.drop_table('connection_pairs')
    op.drop_table('connection_optins')
    with op.batch_alter_table('buddies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buddies_checkin_at'))

    op.drop_table('buddies')
    op.drop_table('connection_rounds')
