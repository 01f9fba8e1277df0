"""Column types and helpers shared by the model modules.

The ``Annotated`` aliases are SQLAlchemy's way to declare a column's type once and use it as
``Mapped[...]``, nullable with ``| None``; arguments of a ``mapped_column()`` beside them
(``default=None``, ``unique=True``) are added to the alias's own::

    id: Mapped[IntPk]
    created_at: Mapped[Timestamp]
    ended_at: Mapped[Timestamp | None] = mapped_column(default=None)
    channel_id: Mapped[DiscordId | None] = mapped_column(default=None)

A foreign key says what becomes of the row when the row it points at is deleted:
``owned_by`` (deleted with it) or ``refers_to`` (kept, the reference set to NULL). A plain
``ForeignKey`` has neither: the service deletes or keeps such rows itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from sqlalchemy import BigInteger, Enum, ForeignKey, LargeBinary, String
from sqlalchemy.orm import MappedColumn, mapped_column

from bot.db import UtcDateTime

IntPk = Annotated[int, mapped_column(primary_key=True)]
"""A table's own id."""

Timestamp = Annotated[datetime, mapped_column(UtcDateTime)]
"""An aware UTC datetime (``UtcDateTime`` refuses naive ones)."""

DiscordId = Annotated[int, mapped_column(BigInteger)]
"""A Discord snowflake: a user, guild, channel, thread, message or event id."""

Sealed = Annotated[bytes, mapped_column(LargeBinary)]
"""A token encrypted with a data key (``bot.crypto``): what a member typed, never in the clear."""

KeyId = Annotated[str, mapped_column(String(16), index=True)]
"""The data key a row's ``Sealed`` columns are encrypted under (indexed for key rotation)."""


def owned_by(table: str, **column: Any) -> MappedColumn[Any]:
    """A reference to ``table``'s id; the row is deleted with the row it points at."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), **column)


def refers_to(table: str, **column: Any) -> MappedColumn[Any]:
    """A nullable reference to ``table``'s id; it becomes NULL when that row is deleted."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="SET NULL"), **column)


def enum_column(cls: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR + CHECK, storing the values, not the names."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )
