"""learnings: encrypted learnings and the digest export record

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('learnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('sharing', sa.Enum('private', 'group', 'digest-anonymous', 'digest-named', name='learning_sharing', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('tags', sa.LargeBinary(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('meeting_starts_at', bot.db.UtcDateTime(), nullable=True),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('updated_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('sharing_changed_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_learnings_author_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learnings'))
    )
    with op.batch_alter_table('learnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learnings_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learnings_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learnings_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_learnings_sharing_created_at', ['sharing', 'created_at'], unique=False)

    op.create_table('digest_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exported_by_id', sa.Integer(), nullable=True),
    sa.Column('via', sa.String(length=200), nullable=False),
    sa.Column('exported_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('range_start', sa.Date(), nullable=False),
    sa.Column('range_end', sa.Date(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('filters', sa.LargeBinary(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('flagged_count', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['exported_by_id'], ['members.id'], name=op.f('fk_digest_exports_exported_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_exports'))
    )
    with op.batch_alter_table('digest_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_exports_exported_at'), ['exported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_exports_exported_by_id'), ['exported_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_exports_key_id'), ['key_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('digest_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_exports_key_id'))
        batch_op.drop_index(batch_op.f('ix_digest_exports_exported_by_id'))
        batch_op.drop_index(batch_op.f('ix_digest_exports_exported_at'))
    op.drop_table('digest_exports')

    with op.batch_alter_table('learnings', schema=None) as batch_op:
        batch_op.drop_index('ix_learnings_sharing_created_at')
        batch_op.drop_index(batch_op.f('ix_learnings_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_learnings_key_id'))
        batch_op.drop_index(batch_op.f('ix_learnings_author_id'))
    op.drop_table('learnings')
