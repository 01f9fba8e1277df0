"""sealed texts: unavailability reasons and reminder texts are stored encrypted

A migration cannot reach the data key, so this one only adds each encrypted column (and
the id of the key it is under) beside the plain one, which keeps its name. The bot
encrypts what the plain column holds when it next starts, with the key, empties it, and
rewrites a SQLite file so no plain copy lingers (``bot.datakeys.seal_plain_texts``);
nothing writes the plain column any more. Plain ADD COLUMNs only, so SQLite does not
copy the tables (and their plain text) to rebuild them.

Downgrading drops the encrypted columns with plain DROP COLUMNs (SQLite 3.35 or newer;
rebuilding ``reminders`` would cascade-delete its occurrences). The texts they held are
lost: the migration cannot decrypt them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    op.add_column('unavailabilities', sa.Column('reason_sealed', sa.LargeBinary(), nullable=True))
    op.add_column('unavailabilities', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_index(
        op.f('ix_unavailabilities_key_id'), 'unavailabilities', ['key_id'], unique=False
    )
    op.add_column('reminders', sa.Column('text_sealed', sa.LargeBinary(), nullable=True))
    op.add_column('reminders', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_index(op.f('ix_reminders_key_id'), 'reminders', ['key_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reminders_key_id'), table_name='reminders')
    op.drop_column('reminders', 'key_id')
    op.drop_column('reminders', 'text_sealed')
    op.drop_index(op.f('ix_unavailabilities_key_id'), table_name='unavailabilities')
    op.drop_column('unavailabilities', 'key_id')
    op.drop_column('unavailabilities', 'reason_sealed')
