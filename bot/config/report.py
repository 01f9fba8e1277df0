"""[report]: outcomes and the community's impact report."""

from __future__ import annotations

from pydantic import Field

from bot.config.base import Section


class ReportConfig(Section):
    min_group: int = Field(default=3, ge=2, le=50)
    """A category with fewer people than this (a locality, a training, a theme) is merged
    into "Other", so that nobody can be picked out of a small group."""
    facilitation_counts: bool = True
    """Show the facilitation turns per member (unnamed, as the fairness picture)."""
    title: str = Field(default="", max_length=120)
    """The report's heading; empty means "<community name>: what we achieved"."""
