"""outbound sending, notification preferences and quiet hours"""

import sqlalchemy as sa

from migrations import ddl

revision = "0006"
down_revision = "0005"

OUTBOUND_KIND = (
    "meeting_reminder",
    "learning_prompt",
    "consult_invitation",
    "renewal_prompt",
    "invite",
    "notice",
)
OUTBOUND_STATUS = ("pending", "sending", "sent", "skipped", "failed", "cancelled")
BATCH_COUNTS = ("total", "sent", "skipped", "failed", "cancelled")


def tables() -> list[ddl.Table]:
    return [
        ddl.table(
            "notification_preferences",
            sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("meeting_reminders", sa.Boolean(), nullable=False),
            sa.Column("learning_prompts", sa.Boolean(), nullable=False),
            sa.Column("consult_invitations", sa.Boolean(), nullable=False),
            sa.Column("quiet_start_minute", sa.Integer(), nullable=True),
            sa.Column("quiet_end_minute", sa.Integer(), nullable=True),
            ddl.utc("updated_at"),
            primary_key=["user_id"],
        ),
        ddl.table(
            "outbound_batches",
            ddl.id_column(),
            sa.Column("key", sa.String(length=160), nullable=False),
            sa.Column("kind", ddl.enum("outbound_kind", *OUTBOUND_KIND), nullable=False),
            sa.Column("label", sa.String(length=200), nullable=False),
            ddl.snowflake("created_by"),
            ddl.utc("created_at"),
            *(sa.Column(count, sa.Integer(), nullable=False) for count in BATCH_COUNTS),
            unique=["key"],
        ),
        ddl.table(
            "outbound_items",
            ddl.id_column(),
            sa.Column("key", sa.String(length=200), nullable=False),
            ddl.foreign_id("batch_id", ddl.cascade("outbound_batches"), nullable=True, index=True),
            sa.Column("kind", ddl.enum("outbound_kind", *OUTBOUND_KIND), nullable=False),
            ddl.snowflake("user_id", nullable=False, index=True),
            sa.Column("template", sa.String(length=80), nullable=False),
            sa.Column("params", sa.JSON(), nullable=False),
            sa.Column("status", ddl.enum("outbound_status", *OUTBOUND_STATUS), nullable=False),
            ddl.utc("due_at"),
            ddl.utc("next_attempt_at"),
            sa.Column("attempts", sa.Integer(), nullable=False),
            ddl.utc("claimed_at", nullable=True),
            sa.Column("claim_token", sa.String(length=40), nullable=True),
            ddl.utc("sent_at", nullable=True),
            ddl.snowflake("channel_id"),
            ddl.snowflake("message_id"),
            sa.Column("reason", sa.String(length=300), nullable=False),
            sa.Column("quiet_delayed", sa.Boolean(), nullable=False),
            ddl.utc("created_at"),
            unique=["key"],
            indexes=[
                ddl.NamedIndex("ix_outbound_items_status_next", ["status", "next_attempt_at"])
            ],
        ),
    ]


upgrade, downgrade = ddl.create_and_drop(tables)
