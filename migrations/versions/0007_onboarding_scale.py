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
    op.create_table('onboarding_interest_terms',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_onboarding_interest_terms_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'term', name=op.f('pk_onboarding_interest_terms'))
    )
    with op.batch_alter_table('onboarding_interest_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_interest_terms_term'), ['term'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('onboarding_interest_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_interest_terms_term'))
    op.drop_table('onboarding_interest_terms')
    op.drop_table('onboarding_installation')
