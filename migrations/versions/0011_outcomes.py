"""outcomes and impact reports

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('grant_application', 'presentation', 'partnership_formed', 'resource_published', 'new_member_organisation', 'other', name='outcome_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('shareable', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('updated_at', bot.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_outcomes_author_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes'))
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcomes_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_happened_on'), ['happened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_key_id'), ['key_id'], unique=False)

    op.create_table('outcome_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'agreed', 'declined', name='outcome_consent', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('asked_at', bot.db.UtcDateTime(), nullable=False),
    sa.Column('answered_at', bot.db.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_outcome_people_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcomes.id'], name=op.f('fk_outcome_people_outcome_id_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_people')),
    sa.UniqueConstraint('outcome_id', 'member_id', name=op.f('uq_outcome_people_outcome_id'))
    )
    with op.batch_alter_table('outcome_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_people_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_people_outcome_id'), ['outcome_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outcome_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_people_outcome_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_people_member_id'))

    op.drop_table('outcome_people')
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomes_key_id'))
        batch_op.drop_index(batch_op.f('ix_outcomes_happened_on'))
        batch_op.drop_index(batch_op.f('ix_outcomes_author_id'))

    op.drop_table('outcomes')
