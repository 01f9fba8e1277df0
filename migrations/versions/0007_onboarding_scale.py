"""onboarding at scale: the join post and invites

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('onboarding_installation',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('installed_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('join_post_channel_id', sa.BigInteger(), nullable=True),
    sa.Column('join_post_message_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('guild_id', name=op.f('pk_onboarding_installation'))
    )


def downgrade() -> None:
    op.drop_table('onboarding_installation')
