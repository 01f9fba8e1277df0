"""consults (/ask), invitations and the consult ledger"""

import sqlalchemy as sa

from migrations import ddl

revision = "0010"
down_revision = "0009"

INVITATION_STATUS = ("invited", "helping", "declined", "lapsed")


def tables() -> list[ddl.Table]:
    return [
        ddl.table(
            "consults",
            ddl.id_column(),
            sa.Column("anonymous", sa.Boolean(), nullable=False),
            ddl.foreign_id("asker_id", ddl.cascade("members"), nullable=True, index=True),
            sa.Column("asker", sa.LargeBinary(), nullable=True),
            *ddl.sealed(),
            ddl.column(
                "status",
                ddl.enum("consult_status", "open", "resolved", "closed"),
                nullable=False,
                index=True,
            ),
            ddl.snowflake("forum_id"),
            ddl.snowflake("thread_id"),
            ddl.utc("created_at", index=True),
            ddl.utc("resolved_at", nullable=True),
            ddl.utc("closed_at", nullable=True),
            unique=["thread_id"],
        ),
        ddl.table(
            "consult_themes",
            ddl.foreign_id("consult_id", ddl.cascade("consults")),
            ddl.column("theme", sa.String(length=40), nullable=False, index=True),
            primary_key=["consult_id", "theme"],
        ),
        ddl.table(
            "consult_invitations",
            ddl.id_column(),
            ddl.foreign_id("consult_id", ddl.set_null("consults"), nullable=True, index=True),
            ddl.foreign_id("member_id", ddl.cascade("members"), index=True),
            sa.Column(
                "status", ddl.enum("consult_invitation_status", *INVITATION_STATUS), nullable=False
            ),
            sa.Column("score", sa.Integer(), nullable=False),
            ddl.utc("invited_at"),
            ddl.utc("answered_at", nullable=True),
            sa.Column("thanked", sa.Boolean(), nullable=False),
            unique=[("consult_id", "member_id")],
        ),
        ddl.member_table("consult_mutes", ddl.utc("muted_at")),
        ddl.table(
            "consult_posts",
            ddl.id_column(),
            ddl.foreign_id("consult_id", ddl.cascade("consults"), index=True),
            sa.Column(
                "kind",
                ddl.enum("consult_post_kind", "post", "invitation", "reply", "asker"),
                nullable=False,
            ),
            ddl.snowflake("channel_id", nullable=False),
            ddl.snowflake("message_id", nullable=False),
            ddl.foreign_id("author_id", ddl.set_null("members"), nullable=True, index=True),
            ddl.foreign_id("invitation_id", ddl.set_null("consult_invitations"), nullable=True),
            ddl.utc("posted_at"),
            unique=["message_id"],
        ),
        ddl.table(
            "consult_weekly_posts",
            ddl.id_column(),
            sa.Column("week_start", sa.Date(), nullable=False),
            ddl.utc("claimed_at"),
            ddl.snowflake("message_id"),
            unique=["week_start"],
        ),
    ]


upgrade, downgrade = ddl.create_and_drop(tables)
