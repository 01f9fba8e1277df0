"""knowledge-base posts of published learnings"""

import sqlalchemy as sa

from migrations import ddl

revision = "0009"
down_revision = "0008"


def tables() -> list[ddl.Table]:
    return [
        ddl.table(
            "knowledge_posts",
            ddl.id_column(),
            ddl.foreign_id("learning_id", ddl.set_null("learnings"), nullable=True),
            ddl.snowflake("thread_id"),
            ddl.snowflake("channel_id", nullable=False),
            sa.Column("anonymous", sa.Boolean(), nullable=False),
            ddl.utc("published_at"),
            ddl.utc("updated_at"),
            unique=["learning_id", "thread_id"],
        ),
    ]


upgrade, downgrade = ddl.create_and_drop(tables)
