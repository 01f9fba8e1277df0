"""What onboarding's flows need from the Discord side.

The flows (review posts, welcomes, departures, renewal prompts, the How to join post)
decide here and reach Discord through the one port, ``bot.port.DiscordPort``. Two small
protocols that the cog side implements complete it:

- ``Texts``: shape each message the flows send (cards, buttons) from the records;
- ``Pins``: pin a message (the How to join post), which the shared port does not do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.config import AppConfig
from bot.db import Database
from bot.models import Application, Meeting, Member
from bot.port import DiscordPort, Message
from bot.services.onboarding.matching import Match
from bot.timeutil import Clock


class Pins(Protocol):
    """Pinning, which the shared port does not offer."""

    async def pin(self, channel_id: int, message_id: int) -> bool:
        """False when the message could not be pinned (no Pin Messages permission)."""
        ...


class Texts(Protocol):
    def review(self, application: Application, member: Member, intro: str) -> Message: ...

    def introduction(self, member: Member, matches: Sequence[Match]) -> Message: ...

    def welcome_dm(
        self, member: Member, matches: Sequence[Match], meeting: Meeting | None
    ) -> Message: ...

    def decline_dm(self, application: Application) -> Message: ...

    def arrival_dm(self, display_name: str) -> Message: ...

    def arrival_in_channel(self, user_id: int) -> Message: ...

    def renewal_prompt(
        self, renewal_id: int, reason: str, deadline: datetime, in_channel_for: int | None
    ) -> Message: ...

    def lapsed_dm(self) -> Message: ...

    def member_left(self, member: Member) -> Message: ...

    def left_while_pending(self, member: Member, application_id: int) -> Message: ...

    def lapsed(self, member: Member, asked_at: datetime | None, problems: Sequence[str]) -> Message:
        """For coordinators: a membership lapsed without an answer."""
        ...

    def stepped_back(self, member: Member, problems: Sequence[str]) -> Message:
        """For coordinators: a member stepped back at renewal."""
        ...

    def how_to_join(self) -> Message: ...

    def invitation_dm(self) -> Message: ...


@dataclass(frozen=True)
class Outreach:
    """Everything a flow needs: the database, config and clock, the port and the texts."""

    db: Database
    config: AppConfig
    clock: Clock
    port: DiscordPort
    texts: Texts
    pins: Pins
    wake_outbox: Callable[[], None] = field(default=lambda: None)
    """Called after a commit that queued DMs on the outbound path."""
