"""scheduled events, RSVPs, meeting threads, attendance and standing availability"""

import sqlalchemy as sa

from migrations import ddl

revision = "0008"
down_revision = "0007"


def tables() -> list[ddl.Table]:
    return [
        ddl.member_table(
            "standing_availability",
            sa.Column("weekdays_off", sa.String(length=7), nullable=False),
            sa.Column("not_before", sa.Time(), nullable=True),
            sa.Column("not_after", sa.Time(), nullable=True),
            ddl.utc("updated_at"),
        ),
        ddl.table(
            "meeting_mirrors",
            ddl.id_column(),
            ddl.foreign_id("meeting_id", ddl.cascade("meetings")),
            sa.Column(
                "state",
                ddl.enum("mirror_state", "claimed", "active", "cancelled", "gone"),
                nullable=False,
            ),
            ddl.snowflake("guild_event_id", index=True),
            ddl.utc("claimed_at"),
            ddl.utc("synced_at", nullable=True),
            ddl.utc("rsvp_synced_at", nullable=True),
            ddl.snowflake("thread_channel_id"),
            ddl.snowflake("thread_id"),
            ddl.utc("thread_claimed_at", nullable=True),
            ddl.utc("prompt_claimed_at", nullable=True),
            ddl.utc("attendance_claimed_at", nullable=True),
            unique=["meeting_id"],
        ),
        ddl.table(
            "meeting_rsvps",
            ddl.id_column(),
            ddl.foreign_id("meeting_id", ddl.cascade("meetings"), index=True),
            ddl.snowflake("user_id", nullable=False),
            ddl.utc("created_at"),
            unique=[("meeting_id", "user_id")],
        ),
        ddl.table(
            "meeting_attendance",
            ddl.id_column(),
            ddl.foreign_id("meeting_id", ddl.cascade("meetings"), index=True),
            ddl.foreign_id("member_id", ddl.cascade("members"), index=True),
            ddl.snowflake("recorded_by"),
            ddl.utc("recorded_at"),
            unique=[("meeting_id", "member_id")],
        ),
        ddl.table(
            "events_notices",
            ddl.id_column(),
            sa.Column("kind", sa.String(length=50), nullable=False),
            sa.Column("message", sa.Text(), nullable=False),
            ddl.utc("first_at"),
            ddl.utc("last_at"),
            unique=["kind"],
        ),
        ddl.table(
            "events_leases",
            ddl.id_column(),
            sa.Column("name", sa.String(length=50), nullable=False),
            sa.Column("holder", sa.String(length=64), nullable=False),
            ddl.utc("until"),
            unique=["name"],
        ),
    ]


upgrade, downgrade = ddl.create_and_drop(tables)
