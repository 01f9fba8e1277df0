"""consults (/ask), invitations and the consult ledger

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consults',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=True),
    sa.Column('asker', sa.LargeBinary(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', 'closed', name='consult_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('forum_id', sa.BigInteger(), nullable=True),
    sa.Column('thread_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('resolved_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('closed_at', bot.db.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['asker_id'], ['members.id'], name=op.f('fk_consults_asker_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consults')),
    sa.UniqueConstraint('thread_id', name=op.f('uq_consults_thread_id'))
    )
    with op.batch_alter_table('consults', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consults_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consults_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consults_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consults_status'), ['status'], unique=False)

    op.create_table('consult_themes',
    sa.Column('consult_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['consult_id'], ['consults.id'], name=op.f('fk_consult_themes_consult_id_consults'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consult_id', 'theme', name=op.f('pk_consult_themes'))
    )
    with op.batch_alter_table('consult_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consult_themes_theme'), ['theme'], unique=False)

    op.create_table('consult_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consult_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('invited', 'helping', 'declined', 'lapsed', name='consult_invitation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('invited_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('answered_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('thanked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['consult_id'], ['consults.id'], name=op.f('fk_consult_invitations_consult_id_consults'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_consult_invitations_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consult_invitations')),
    sa.UniqueConstraint('consult_id', 'member_id', name=op.f('uq_consult_invitations_consult_id'))
    )
    with op.batch_alter_table('consult_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consult_invitations_consult_id'), ['consult_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consult_invitations_member_id'), ['member_id'], unique=False)

    op.create_table('consult_mutes',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('muted_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_consult_mutes_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_consult_mutes'))
    )

    op.create_table('consult_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consult_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('post', 'invitation', 'reply', 'asker', name='consult_post_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_consult_posts_author_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consult_id'], ['consults.id'], name=op.f('fk_consult_posts_consult_id_consults'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['consult_invitations.id'], name=op.f('fk_consult_posts_invitation_id_consult_invitations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consult_posts')),
    sa.UniqueConstraint('message_id', name=op.f('uq_consult_posts_message_id'))
    )
    with op.batch_alter_table('consult_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consult_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consult_posts_consult_id'), ['consult_id'], unique=False)

    op.create_table('consult_weekly_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('claimed_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consult_weekly_posts')),
    sa.UniqueConstraint('week_start', name=op.f('uq_consult_weekly_posts_week_start'))
    )


def downgrade() -> None:
    op.drop_table('consult_weekly_posts')
    with op.batch_alter_table('consult_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consult_posts_consult_id'))
        batch_op.drop_index(batch_op.f('ix_consult_posts_author_id'))
    op.drop_table('consult_posts')
    op.drop_table('consult_mutes')
    with op.batch_alter_table('consult_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consult_invitations_member_id'))
        batch_op.drop_index(batch_op.f('ix_consult_invitations_consult_id'))
    op.drop_table('consult_invitations')
    with op.batch_alter_table('consult_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consult_themes_theme'))
    op.drop_table('consult_themes')
    with op.batch_alter_table('consults', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consults_status'))
        batch_op.drop_index(batch_op.f('ix_consults_key_id'))
        batch_op.drop_index(batch_op.f('ix_consults_created_at'))
        batch_op.drop_index(batch_op.f('ix_consults_asker_id'))
    op.drop_table('consults')
