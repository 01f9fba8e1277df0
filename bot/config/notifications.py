"""[notifications]: the outbound path's pacing and retries (every bulk DM goes through it)."""

from __future__ import annotations

from pydantic import Field

from bot.config.base import Retries


class NotificationsConfig(Retries):
    dm_per_second: float = Field(default=2.0, gt=0, le=10)
    """The most DMs the outbound path sends per second, one at a time. Discord's global
    limit is 50 requests a second and opening DM channels is limited further; staying well
    under keeps a bulk send from ever looking like spam."""
    poll_seconds: int = Field(default=10, ge=1, le=3600)
    """How often the outbound path looks for DMs that became due (quiet hours ending,
    retries) when nothing woke it."""
    max_attempts: int = Field(default=8, ge=1, le=50)
    """Sending attempts for one DM before it is given up (recorded as failed)."""
    late_after_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    """A DM that goes out this long after it was due says that it is late."""
