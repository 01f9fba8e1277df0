"""[connections] and [partnerships]: connection rounds, buddies and the partnership log."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from bot.config.base import Section


class ConnectionsConfig(Section):
    schedule: str = Field(default="", max_length=200)
    """When rounds start, in the time language, e.g. "every 4 weeks on Monday at 9:00".
    Empty (the default) means no rounds. Read by ``bot.services.partnerships``
    (``config_problems``), which the CLI and the cog run at start."""
    cross_town: bool = False
    """Prefer pairs across localities."""


RoleName = Annotated[str, Field(min_length=1, max_length=40)]


class PartnershipsConfig(Section):
    checkin_days: int = Field(default=30, ge=1, le=365)
    """Days after a partnership starts when both are asked how it is going."""
    buddies: bool = True
    """Ask a newcomer's "meet first" people, in turn, to be their buddy."""
    first_meeting_roles: list[RoleName] = Field(
        default_factory=lambda: ["scribe", "timekeeper"], max_length=4
    )
    """Light roles a newcomer is offered, by DM, for their first meeting (buttons, plus "No
    thanks"); the facilitator's hand-over pack names the newcomer and the role they took.
    An empty list turns the offer off."""

    @field_validator("first_meeting_roles")
    @classmethod
    def _distinct_roles(cls, value: list[str]) -> list[str]:
        roles = [" ".join(v.split()) for v in value]
        if any(not r for r in roles):
            raise ValueError('write each role as a word or two, like ["scribe", "timekeeper"]')
        if len({r.casefold() for r in roles}) != len(roles):
            raise ValueError('list each role once, like ["scribe", "timekeeper"]')
        return roles
