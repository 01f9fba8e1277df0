"""Autocomplete for the meeting-date options of /meeting and /roster: upcoming meetings,
read from the database (the value is the local date, which the commands parse)."""

from __future__ import annotations

from discord import app_commands

from bot.services.rotation import series as meeting_service
from bot.ui import CopInteraction


async def meeting_autocomplete(
    interaction: CopInteraction, current: str
) -> list[app_commands.Choice[str]]:
    """Upcoming meetings as choices; the value is the local date (what commands parse)."""
    bot = interaction.client
    now = bot.clock()
    async with bot.db.transaction() as session:
        meetings = await meeting_service.upcoming_meetings(session, now, limit=50)
    typed = current.strip().lower()
    choices = []
    for meeting in meetings:
        local = meeting.starts_at.astimezone(bot.zone)
        value = local.date().isoformat()
        facilitator = meeting.facilitator
        who = f" · {facilitator.display_name}" if facilitator and facilitator.display_name else ""
        label = f"{local:%a %d %b %Y, %H:%M}{who}"
        if typed and typed not in value and typed not in label.lower():
            continue
        choices.append(app_commands.Choice(name=label[:100], value=value))
        if len(choices) == 25:
            break
    return choices


async def my_meeting_autocomplete(
    interaction: CopInteraction, current: str
) -> list[app_commands.Choice[str]]:
    """The presser's own upcoming turns first, then every upcoming meeting."""
    bot = interaction.client
    now = bot.clock()
    async with bot.db.transaction() as session:
        meetings = await meeting_service.upcoming_meetings(session, now, limit=50)
    mine = [m for m in meetings if m.facilitator and m.facilitator.user_id == interaction.user.id]
    choices = []
    for meeting in mine:
        local = meeting.starts_at.astimezone(bot.zone)
        value = local.date().isoformat()
        if current.strip() and current.strip().lower() not in value:
            continue
        choices.append(
            app_commands.Choice(name=f"{local:%a %d %b %Y, %H:%M} · your turn", value=value)
        )
    if choices:
        return choices[:25]
    return await meeting_autocomplete(interaction, current)
