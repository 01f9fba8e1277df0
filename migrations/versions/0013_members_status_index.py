"""members: an index on (status, in_guild, joined_at), so finding the active members in the
server, earliest joined first, does not read everyone else in it
"""

from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.create_index(
        'ix_members_status_in_guild_joined_at',
        'members',
        ['status', 'in_guild', 'joined_at'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_members_status_in_guild_joined_at', table_name='members')
