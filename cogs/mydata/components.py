"""The erase / keep buttons of /mydata delete, and the erasure itself: every
capability's part in one transaction, then the Discord side (posts and roles)."""

from __future__ import annotations

import logging

import discord

from bot.client import CopBot
from bot.errors import NotAllowed
from bot.mentions import NO_PINGS
from bot.services import mydata
from bot.services.mydata_sources import contributors
from bot.ui import CopButton, CopInteraction, choices
from cogs.mydata.render import NOTHING_HELD, erased_text

log = logging.getLogger(__name__)


class EraseButton(CopButton, template=r"mydata:(?P<action>erase|keep):(?P<user_id>\d+)"):
    where = "/mydata delete"

    action: str = choices(
        {
            "erase": ("Erase my data now", discord.ButtonStyle.danger),
            "keep": ("Cancel", discord.ButtonStyle.secondary),
        }
    )
    user_id: int

    async def pressed(self, interaction: CopInteraction) -> None:
        if interaction.user.id != self.user_id:
            raise NotAllowed("Only the person whose data it is can erase it.")
        if self.action == "keep":
            await interaction.response.edit_message(
                content="Nothing was erased.", view=None, allowed_mentions=NO_PINGS
            )
            return
        await erase_now(interaction)


async def erase_now(interaction: CopInteraction) -> None:
    """Erase in one transaction, then take the person's roles and the bot's posts about
    them off Discord, then say so (the press is acknowledged first: that may take a while)."""
    bot = interaction.client
    await interaction.response.defer()
    async with bot.db.transaction() as session:
        person = await mydata.person_of(session, interaction.user.id, bot.clock(), bot.data_keyring)
        if person is None:
            await interaction.edit_original_response(
                content=NOTHING_HELD, view=None, allowed_mentions=NO_PINGS
            )
            return
        result = await mydata.erase(person, contributors())
    await remove_roles(bot, interaction.user.id)
    await mydata.clean_up_posts(bot.port, result.posts, configured_channels(bot))
    await interaction.edit_original_response(
        content=erased_text(result), view=None, allowed_mentions=NO_PINGS
    )


async def remove_roles(bot: CopBot, user_id: int) -> None:
    guild = bot.guild
    if guild is None:
        return
    person = guild.get_member(user_id)
    if person is None:
        try:
            person = await guild.fetch_member(user_id)
        except discord.HTTPException:
            return
    roles = [
        discord.Object(r)
        for r in (bot.config.roles.member, bot.config.roles.alumni)
        if r is not None and any(role.id == r for role in person.roles)
    ]
    if roles:
        try:
            await person.remove_roles(*roles, reason="They erased their data (/mydata delete)")
        except discord.HTTPException:
            log.warning("could not remove roles after an erasure (user %s)", person.id)


def configured_channels(bot: CopBot) -> dict[str, int | None]:
    """The ``[channels]`` section by name, for post clean-ups that name a channel."""
    return {
        name: value if isinstance(value, int) else None
        for name, value in bot.config.channels.model_dump().items()
    }
