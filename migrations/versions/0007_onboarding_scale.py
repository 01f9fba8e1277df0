"""onboarding at scale: the join post and invites"""

import sqlalchemy as sa

from migrations import ddl

revision = "0007"
down_revision = "0006"


def tables() -> list[ddl.Table]:
    return [
        ddl.table(
            "onboarding_installation",
            sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
            ddl.utc("installed_at"),
            ddl.snowflake("join_post_channel_id"),
            ddl.snowflake("join_post_message_id"),
            primary_key=["guild_id"],
        ),
        ddl.table(
            "onboarding_interest_terms",
            ddl.foreign_id("member_id", ddl.cascade("members")),
            ddl.column("term", sa.String(length=100), nullable=False, index=True),
            primary_key=["member_id", "term"],
        ),
    ]


upgrade, downgrade = ddl.create_and_drop(tables)
