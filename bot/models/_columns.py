"""Column helpers shared by the model modules."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


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
