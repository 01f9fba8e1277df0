"""What onboarding needs from the Discord side, and what it hands it.

The flows (review posts, welcomes, departures, renewal prompts, invitations) decide here
and reach Discord through two small protocols that the cog side implements once:

- ``Port``: deliver (DM, post, edit, pin) and change roles, with plain results;
- ``Texts``: shape each message the flows send (embeds, buttons) from the records.

A message is opaque on this side (``Outgoing``): the ``Texts`` implementation makes it
and the ``Port`` implementation sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.config import AppConfig
from bot.db import Database
from bot.models import Application, Meeting, Member
from bot.services.onboarding.matching import Match
from bot.timeutil import Clock

Outgoing = object
"""A message made by ``Texts`` for ``Port``; this side never looks inside."""


class Delivery(StrEnum):
    SENT = "sent"
    CLOSED = "closed"
    """Their DMs are closed to the bot (Discord 50007)."""
    GONE = "gone"
    """No such user, or not reachable any more."""
    FAILED = "failed"
    """Anything else (logged by the port)."""


@dataclass(frozen=True)
class Posted:
    channel_id: int
    message_id: int


class Port(Protocol):
    async def dm(self, user_id: int, message: Outgoing) -> Delivery: ...

    async def post(self, channel_id: int, message: Outgoing) -> Posted | None: ...

    async def edit(self, channel_id: int, message_id: int, message: Outgoing) -> bool:
        """False when the message could not be edited (deleted, or no access)."""
        ...

    async def pin(self, channel_id: int, message_id: int) -> bool: ...

    async def member_roles(self, user_id: int) -> frozenset[int] | None:
        """The roles of someone in the server; None when they are not in it."""
        ...

    async def add_role(self, user_id: int, role_id: int, reason: str) -> bool: ...

    async def remove_role(self, user_id: int, role_id: int, reason: str) -> bool: ...


class Texts(Protocol):
    def review(self, application: Application, member: Member, intro: str) -> Outgoing: ...

    def introduction(self, member: Member, matches: Sequence[Match]) -> Outgoing: ...

    def welcome_dm(
        self, member: Member, matches: Sequence[Match], meeting: Meeting | None
    ) -> Outgoing: ...

    def decline_dm(self, application: Application) -> Outgoing: ...

    def arrival_dm(self, display_name: str) -> Outgoing: ...

    def arrival_in_channel(self, user_id: int) -> Outgoing: ...

    def renewal_prompt(
        self, renewal_id: int, reason: str, deadline: datetime, in_channel_for: int | None
    ) -> Outgoing: ...

    def lapsed_dm(self) -> Outgoing: ...

    def member_left(self, member: Member) -> Outgoing: ...

    def left_while_pending(self, member: Member, application_id: int) -> Outgoing: ...

    def lapsed(
        self, member: Member, asked_at: datetime | None, problems: Sequence[str]
    ) -> Outgoing:
        """For coordinators: a membership lapsed without an answer."""
        ...

    def stepped_back(self, member: Member, problems: Sequence[str]) -> Outgoing:
        """For coordinators: a member stepped back at renewal."""
        ...

    def how_to_join(self) -> Outgoing: ...

    def invitation_dm(self) -> Outgoing: ...


@dataclass(frozen=True)
class Outreach:
    """Everything a flow needs: the database, config and clock, and the two protocols."""

    db: Database
    config: AppConfig
    clock: Clock
    port: Port
    texts: Texts
