"""Builders for rotation tests (members straight into the database: ``tests.builders``)."""

from __future__ import annotations

from tests.builders import add_member

__all__ = ["add_member"]
