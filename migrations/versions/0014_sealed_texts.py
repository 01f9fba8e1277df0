"""sealed texts: unavailability reasons are stored encrypted

A migration cannot reach the data key, so it only adds the encrypted column (and the id
of the key it is under) beside the plain one. The plain column stays, renamed nowhere:
the bot encrypts what it holds when it next starts, with the key, and empties it
(``bot.datakeys.seal_plain_texts``); nothing writes it any more. Plain ADD COLUMNs only,
so SQLite does not copy the table (and its plain text) to rebuild it.

Downgrading drops the encrypted column: reasons written since the upgrade are lost (the
migration cannot decrypt them either).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('unavailabilities', sa.Column('reason_sealed', sa.LargeBinary(), nullable=True))
    op.add_column('unavailabilities', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_index(
        op.f('ix_unavailabilities_key_id'), 'unavailabilities', ['key_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_unavailabilities_key_id'), table_name='unavailabilities')
    with op.batch_alter_table('unavailabilities', schema=None) as batch_op:
        batch_op.drop_column('key_id')
        batch_op.drop_column('reason_sealed')
