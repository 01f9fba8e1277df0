"""knowledge-base posts of published learnings

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learning_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.BigInteger(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('published_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('updated_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learning_id'], ['learnings.id'], name=op.f('fk_knowledge_posts_learning_id_learnings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_posts')),
    sa.UniqueConstraint('learning_id', name=op.f('uq_knowledge_posts_learning_id')),
    sa.UniqueConstraint('thread_id', name=op.f('uq_knowledge_posts_thread_id'))
    )


def downgrade() -> None:
    op.drop_table('knowledge_posts')
