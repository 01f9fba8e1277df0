"""offers and needs, connection rounds, buddies and partnerships"""

import sqlalchemy as sa

from migrations import ddl

revision = "0012"
down_revision = "0011"

PARTNERSHIP_STATUS = ("proposed", "active", "paused", "complete", "declined")


def tables() -> list[ddl.Table]:
    return [
        ddl.table(
            "connection_rounds",
            ddl.id_column(),
            ddl.utc("starts_at"),
            ddl.utc("checkin_at"),
            ddl.utc("created_at"),
            unique=["starts_at"],
        ),
        ddl.table(
            "buddies",
            ddl.foreign_id("newcomer_id", ddl.cascade("members")),
            sa.Column("candidates", sa.JSON(), nullable=False),
            sa.Column("asked", sa.Integer(), nullable=False),
            ddl.foreign_id("buddy_id", ddl.set_null("members"), nullable=True),
            sa.Column(
                "status", ddl.enum("buddy_status", "asking", "accepted", "none"), nullable=False
            ),
            ddl.utc("created_at"),
            ddl.utc("accepted_at", nullable=True),
            ddl.utc("checkin_at", nullable=True, index=True),
            sa.Column("checkin_sent", sa.Boolean(), nullable=False),
            sa.Column("role_offer", sa.JSON(), nullable=False),
            primary_key=["newcomer_id"],
        ),
        ddl.member_table("connection_optins", ddl.utc("joined_at")),
        ddl.table(
            "connection_pairs",
            ddl.id_column(),
            ddl.foreign_id("round_id", ddl.cascade("connection_rounds"), index=True),
            sa.Column("pair_no", sa.Integer(), nullable=False),
            ddl.foreign_id("member_id", ddl.set_null("members"), nullable=True, index=True),
            sa.Column("reason", sa.String(length=300), nullable=False),
            sa.Column(
                "answer", ddl.enum("connection_checkin", "met", "not_yet", "skip"), nullable=True
            ),
            ddl.utc("answered_at", nullable=True),
            unique=[("round_id", "member_id")],
        ),
        ddl.member_table(
            "member_offers",
            sa.Column("offer_tags", sa.JSON(), nullable=False),
            sa.Column("need_tags", sa.JSON(), nullable=False),
            *ddl.sealed("sentences", nullable=True),
            ddl.utc("updated_at"),
        ),
        ddl.table(
            "partnerships",
            ddl.id_column(),
            ddl.foreign_id("proposer_id", ddl.set_null("members"), nullable=True, index=True),
            ddl.foreign_id("partner_id", ddl.set_null("members"), nullable=True, index=True),
            sa.Column("open_pair", sa.String(length=50), nullable=True),
            sa.Column(
                "status", ddl.enum("partnership_status", *PARTNERSHIP_STATUS), nullable=False
            ),
            *ddl.sealed(),
            sa.Column("started_on", sa.Date(), nullable=True),
            ddl.utc("created_at"),
            ddl.utc("updated_at"),
            ddl.utc("checkin_due_at", nullable=True, index=True),
            ddl.foreign_id("outcome_id", ddl.set_null("outcomes"), nullable=True),
            unique=["open_pair"],
        ),
    ]


upgrade, downgrade = ddl.create_and_drop(tables)
