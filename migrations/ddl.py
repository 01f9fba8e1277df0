"""The pieces the migrations from 0006 on build their tables from.

Most new tables share the same few parts: an ``id`` key, aware UTC timestamps, Discord
ids, references to other rows, enums stored as checked strings, and encrypted text beside
the id of its key. A migration lists its new tables as ``table(...)`` specs, each column
saying whether it refers to another table and whether it is indexed (as the models do);
``create_tables`` creates them in order, each followed by its indexes, and ``drop_tables``
drops them again in reverse. A migration that only adds tables gets both its steps from
``create_and_drop``.

Frozen, like the migrations that use it: what a helper emits is part of those migrations'
meaning, so never change what an existing helper builds; add a new helper instead.
Constraints and indexes come out as autogenerate writes them: foreign keys in the order of
their column names, then unique constraints as listed, and indexes in the order of their
names. Their names are spelled out here as the naming convention in ``bot/db.py`` gives
them (``pk_<table>``, ``fk_<table>_<column>_<referred table>``, ``uq_<table>_<first
column>``, ``ix_<table>_<column>``) rather than read from it, so a later change to the
convention cannot rename anything an old migration made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import op

from bot.db import UtcDateTime

Column = sa.Column[Any]

# Keys of ``Column.info`` that ``table`` reads; nothing else looks at them.
_REFERS_TO = "migrations.ddl.refers_to"
_INDEXED = "migrations.ddl.indexed"


class Ref(NamedTuple):
    """The table a column refers to (by its ``id``), and what a delete there does to the
    referring row."""

    table: str
    ondelete: str


def cascade(table: str) -> Ref:
    return Ref(table, "CASCADE")


def set_null(table: str) -> Ref:
    return Ref(table, "SET NULL")


def column(name: str, type_: Any, *, nullable: bool, index: bool = False) -> Column:
    """A column; ``index=True`` gives it an index, ``ix_<table>_<name>``."""
    return sa.Column(name, type_, nullable=nullable, info={_INDEXED: index})


def id_column() -> Column:
    """The integer ``id`` that is the primary key of most tables."""
    return sa.Column("id", sa.Integer(), nullable=False)


def foreign_id(name: str, refers_to: Ref, *, nullable: bool = False, index: bool = False) -> Column:
    """The integer id of a row in another table, with its foreign key."""
    return sa.Column(
        name, sa.Integer(), nullable=nullable, info={_REFERS_TO: refers_to, _INDEXED: index}
    )


def utc(name: str, *, nullable: bool = False, index: bool = False) -> Column:
    """An aware UTC timestamp (``bot.db.UtcDateTime``)."""
    return column(name, UtcDateTime(), nullable=nullable, index=index)


def snowflake(name: str, *, nullable: bool = True, index: bool = False) -> Column:
    """A Discord id (user, channel, message, thread, scheduled event): a BIGINT."""
    return column(name, sa.BigInteger(), nullable=nullable, index=index)


def enum(name: str, *values: str) -> sa.Enum:
    """An enum stored as a VARCHAR(32) with a CHECK constraint (no native enum type)."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def sealed(name: str = "content", *, nullable: bool = False) -> tuple[Column, Column]:
    """Encrypted text (``bot.crypto``'s sealed bytes) and the id of the data key it is
    under, ``key_id``, indexed so that key rotation finds the rows under a key."""
    return (
        sa.Column(name, sa.LargeBinary(), nullable=nullable),
        column("key_id", sa.String(length=16), nullable=nullable, index=True),
    )


class NamedIndex(NamedTuple):
    """An index whose name is not ``ix_<table>_<column>``, over one or more columns."""

    name: str
    columns: Sequence[str]


@dataclass(frozen=True)
class Table:
    """A table to create: build it with ``table(...)`` or ``member_table(...)``."""

    name: str
    columns: Sequence[Column]
    primary_key: Sequence[str]
    unique: Sequence[Sequence[str]]
    indexes: Sequence[NamedIndex]

    def create(self) -> None:
        # CREATE TABLE puts the primary key first whatever its place here; the other
        # constraints follow in the order they are made: foreign keys, then unique ones.
        references = sorted(
            (each.name, each.info[_REFERS_TO]) for each in self.columns if _REFERS_TO in each.info
        )
        constraints: list[sa.Constraint] = [
            sa.PrimaryKeyConstraint(*self.primary_key, name=op.f(f"pk_{self.name}")),
            *(
                sa.ForeignKeyConstraint(
                    [name],
                    [f"{ref.table}.id"],
                    name=op.f(f"fk_{self.name}_{name}_{ref.table}"),
                    ondelete=ref.ondelete,
                )
                for name, ref in references
            ),
            *(
                sa.UniqueConstraint(*columns, name=op.f(f"uq_{self.name}_{columns[0]}"))
                for columns in self.unique
            ),
        ]
        op.create_table(self.name, *self.columns, *constraints)
        for index in self.indexes:
            op.create_index(op.f(index.name), self.name, list(index.columns), unique=False)

    def drop(self) -> None:
        for index in reversed(self.indexes):
            op.drop_index(op.f(index.name), table_name=self.name)
        op.drop_table(self.name)


def table(
    name: str,
    *columns: Column,
    primary_key: Sequence[str] = ("id",),
    unique: Iterable[str | tuple[str, ...]] = (),
    indexes: Iterable[NamedIndex] = (),
) -> Table:
    """A table: its columns in order, the columns of its primary key (``id`` unless said),
    its unique constraints (each a column, or a tuple of columns), and any indexes besides
    the columns' own."""
    return Table(
        name,
        columns,
        primary_key,
        [(each,) if isinstance(each, str) else each for each in unique],
        sorted(
            [
                *(
                    NamedIndex(f"ix_{name}_{each.name}", [each.name])
                    for each in columns
                    if each.info.get(_INDEXED)
                ),
                *indexes,
            ]
        ),
    )


def member_table(name: str, *columns: Column) -> Table:
    """A table of at most one row per member: keyed by ``member_id``, deleted with the
    member."""
    member = foreign_id("member_id", cascade("members"))
    return table(name, member, *columns, primary_key=["member_id"])


def create_tables(tables: Iterable[Table]) -> None:
    for each in tables:
        each.create()


def drop_tables(tables: Sequence[Table]) -> None:
    for each in reversed(tables):
        each.drop()


def create_and_drop(
    tables: Callable[[], Sequence[Table]],
) -> tuple[Callable[[], None], Callable[[], None]]:
    """The ``upgrade`` and ``downgrade`` of a migration that only adds the tables ``tables``
    lists: ``upgrade, downgrade = ddl.create_and_drop(tables)``. Upgrading creates them in
    order, downgrading drops them in reverse. ``tables`` is called afresh for each step, as a
    column belongs to the one table it was first created in."""

    def upgrade() -> None:
        create_tables(tables())

    def downgrade() -> None:
        drop_tables(tables())

    return upgrade, downgrade
