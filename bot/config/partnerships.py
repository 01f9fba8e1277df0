"""[connections] and [partnerships]: connection rounds, buddies and the partnership log."""

from __future__ import annotations

from pydantic import Field

from bot.config.base import Section


class ConnectionsConfig(Section):
    schedule: str = Field(default="", max_length=200)
    """When rounds start, in the time language, e.g. "every 4 weeks on Monday at 9:00".
    Empty (the default) means no rounds. Read by ``bot.services.partnerships``
    (``config_problems``), which the CLI and the cog run at start."""
    cross_town: bool = False
    """Prefer pairs across localities."""


class PartnershipsConfig(Section):
    checkin_days: int = Field(default=30, ge=1, le=365)
    """Days after a partnership starts when both are asked how it is going."""
    buddies: bool = True
    """Ask a newcomer's "meet first" people, in turn, to be their buddy."""
