"""Pieces that several cogs' slash commands share: the coordinators' command mark and the
type of a record's number typed as an option."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from discord import app_commands

from bot.checks import coordinator_only

T = TypeVar("T")

RecordNumber = app_commands.Range[int, 1, 2**53 - 1]
"""A record's number as members see it (an outcome's, a partnership's): a whole number
from 1 to the largest that Discord passes exactly."""


def coordinator_command() -> Callable[[T], T]:
    """Only coordinators may run this command, and Discord offers it by default only to
    those who can manage the server (a server admin can widen that)."""

    def decorator(func: T) -> T:
        return app_commands.default_permissions(manage_guild=True)(coordinator_only()(func))

    return decorator
