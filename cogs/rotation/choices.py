"""Autocomplete for the meeting-date options of /meeting and /roster: upcoming meetings,
read from the database (the value is the local date, which the commands parse)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from discord import app_commands

from bot.models import Meeting
from bot.services.rotation import series as meeting_service
from bot.ui import CopInteraction


async def _upcoming(interaction: CopInteraction) -> list[Meeting]:
    bot = interaction.client
    async with bot.db.transaction() as session:
        return await meeting_service.upcoming_meetings(session, bot.clock(), limit=50)


def _choices(
    meetings: list[Meeting], zone: ZoneInfo, current: str, *, mine: bool = False
) -> list[app_commands.Choice[str]]:
    """Up to 25 meetings matching what was typed, by local date (and, unless they are the
    presser's own turns, by label), labelled with their time and facilitator."""
    typed = current.strip().lower()
    choices: list[app_commands.Choice[str]] = []
    for meeting in meetings:
        local = meeting.starts_at.astimezone(zone)
        value = local.date().isoformat()
        if mine:
            label = f"{local:%a %d %b %Y, %H:%M} · your turn"
            searched: tuple[str, ...] = (value,)
        else:
            facilitator = meeting.facilitator
            name = facilitator.display_name if facilitator else None
            label = f"{local:%a %d %b %Y, %H:%M}" + (f" · {name}" if name else "")
            searched = (value, label.lower())
        if typed and not any(typed in text for text in searched):
            continue
        choices.append(app_commands.Choice(name=label[:100], value=value))
        if len(choices) == 25:
            break
    return choices


async def meeting_autocomplete(
    interaction: CopInteraction, current: str
) -> list[app_commands.Choice[str]]:
    """Upcoming meetings as choices; the value is the local date (what commands parse)."""
    return _choices(await _upcoming(interaction), interaction.client.zone, current)


async def my_meeting_autocomplete(
    interaction: CopInteraction, current: str
) -> list[app_commands.Choice[str]]:
    """The presser's own upcoming turns first, then every upcoming meeting."""
    meetings = await _upcoming(interaction)
    zone = interaction.client.zone
    mine = [m for m in meetings if m.facilitator and m.facilitator.user_id == interaction.user.id]
    return _choices(mine, zone, current, mine=True) or _choices(meetings, zone, current)
