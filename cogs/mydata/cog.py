"""/mydata export and /mydata delete (everyone)."""

from __future__ import annotations

import io
import json

import discord
from discord import app_commands

from bot.checks import audience
from bot.client import CopBot
from bot.mentions import NO_PINGS
from bot.services import mydata
from bot.services.mydata_sources import contributors
from bot.ui import CopCog, CopInteraction, persistent_view, send
from cogs.mydata.components import EraseButton
from cogs.mydata.render import NOTHING_HELD, erase_question


class MyData(CopCog):
    mydata_group = app_commands.Group(
        name="mydata", description="See or erase everything the bot holds about you."
    )

    persistent_items = (EraseButton,)

    @mydata_group.command(name="export", description="Everything the bot holds about you, as JSON.")
    @audience("everyone")
    async def export(self, interaction: CopInteraction) -> None:
        bot = self.bot
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = bot.clock()
        async with bot.db.transaction() as session:
            person = await mydata.person_of(session, interaction.user.id, now, bot.data_keyring)
            if person is None:
                data = mydata.nothing_held(interaction.user.id, now)
            else:
                data = await mydata.collect(person, contributors())
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        local = now.astimezone(bot.zone).date()
        await interaction.followup.send(
            "Here is everything the bot holds about you. Only you can see this file.",
            file=discord.File(io.BytesIO(payload), filename=f"my-data-{local}.json"),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @mydata_group.command(
        name="delete", description="Erase your learnings and profile now (asks you first)."
    )
    @audience("everyone")
    async def delete(self, interaction: CopInteraction) -> None:
        bot = self.bot
        async with bot.db.transaction() as session:
            person = await mydata.person_of(
                session, interaction.user.id, bot.clock(), bot.data_keyring
            )
            lines = await mydata.preview(person, contributors()) if person is not None else []
        if person is None:
            await send(interaction, NOTHING_HELD)
            return
        await send(
            interaction,
            erase_question(lines),
            view=persistent_view(
                EraseButton("erase", interaction.user.id),
                EraseButton("keep", interaction.user.id),
            ),
        )


async def setup(bot: CopBot) -> None:
    await bot.add_cog(MyData(bot))
