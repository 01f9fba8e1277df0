"""Who may do what with learnings, from the Discord side: the person as a member of the
community's guild (also from a DM), their member row, and the bot's keyring."""

from __future__ import annotations

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checks import has_role, is_coordinator
from bot.client import CopBot
from bot.errors import NotAllowed
from bot.models import Member
from bot.services.learnings.store import record_for_role_holder
from bot.services.members import member_by_user
from bot.ui import CopInteraction

NOT_A_MEMBER = (
    "Only members of the community can record and read learnings. Use `/join` to apply, "
    "or `/about` to read about the community."
)


async def guild_member(interaction: CopInteraction) -> discord.Member | None:
    """The person as a member of the community's guild (also from a DM)."""
    bot = interaction.client
    user = interaction.user
    if isinstance(user, discord.Member) and user.guild.id == bot.config.discord.guild_id:
        return user
    guild = bot.guild
    if guild is None:
        return None
    found = guild.get_member(user.id)
    if found is None:
        try:
            found = await guild.fetch_member(user.id)
        except discord.HTTPException:
            return None
    return found


def holds_member_role(bot: CopBot, person: discord.Member | None) -> bool:
    return person is not None and (
        has_role(person, bot.config.roles.member) or is_coordinator(person, bot.config)
    )


async def require_member_role(interaction: CopInteraction) -> discord.Member:
    """The person, if they hold the member (or coordinator) role; anyone else is refused."""
    person = await guild_member(interaction)
    if person is None or not holds_member_role(interaction.client, person):
        raise NotAllowed(NOT_A_MEMBER)
    return person


async def reader(interaction: CopInteraction, session: AsyncSession) -> Member | None:
    """For reading the group's learnings: members only; their row if the bot has one."""
    await require_member_role(interaction)
    return await member_by_user(session, interaction.user.id)


async def require_member(interaction: CopInteraction, session: AsyncSession) -> Member:
    """The member row of someone holding the member (or coordinator) role, created for a
    member the bot has no record of yet. Anyone else is refused politely."""
    person = await require_member_role(interaction)
    bot = interaction.client
    return await record_for_role_holder(
        session,
        person.id,
        person.display_name,
        bot.clock(),
        active=has_role(person, bot.config.roles.member),
    )


async def own_record(interaction: CopInteraction, session: AsyncSession) -> Member:
    """The person's member row, for acting on their own learnings (alumni too)."""
    member = await member_by_user(session, interaction.user.id)
    if member is None:
        return await require_member(interaction, session)
    return member
