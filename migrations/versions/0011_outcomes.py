"""outcomes and impact reports"""

import sqlalchemy as sa

from migrations import ddl

revision = "0011"
down_revision = "0010"

OUTCOME_KIND = (
    "grant_application",
    "presentation",
    "partnership_formed",
    "resource_published",
    "new_member_organisation",
    "other",
)


def tables() -> list[ddl.Table]:
    return [
        ddl.table(
            "outcomes",
            ddl.id_column(),
            ddl.foreign_id("author_id", ddl.cascade("members"), index=True),
            sa.Column("kind", ddl.enum("outcome_kind", *OUTCOME_KIND), nullable=False),
            ddl.column("happened_on", sa.Date(), nullable=False, index=True),
            *ddl.sealed(),
            sa.Column("shareable", sa.Boolean(), nullable=False),
            ddl.utc("created_at"),
            ddl.utc("updated_at"),
        ),
        ddl.table(
            "outcome_people",
            ddl.id_column(),
            ddl.foreign_id("outcome_id", ddl.cascade("outcomes"), index=True),
            ddl.foreign_id("member_id", ddl.cascade("members"), index=True),
            sa.Column(
                "status",
                ddl.enum("outcome_consent", "pending", "agreed", "declined"),
                nullable=False,
            ),
            ddl.utc("asked_at"),
            ddl.utc("answered_at", nullable=True),
            unique=[("outcome_id", "member_id")],
        ),
    ]


upgrade, downgrade = ddl.create_and_drop(tables)
