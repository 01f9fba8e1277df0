"""The export history's page buttons (coordinators only)."""

from __future__ import annotations

import discord

from bot.checks import is_coordinator
from bot.errors import NotAllowed
from bot.mentions import NO_PINGS
from bot.services.learnings.record import export_history
from bot.ui import CopButton, CopInteraction, CopView, page_buttons, persistent_view, send
from cogs.digest.render import history_embed


class HistoryButton(CopButton, template=r"digest:history:(?P<page>\d+)"):
    where = "the export history"

    page: int

    def appearance(self) -> tuple[str, discord.ButtonStyle]:
        return f"Page {self.page}", discord.ButtonStyle.secondary

    async def pressed(self, interaction: CopInteraction) -> None:
        if not is_coordinator(interaction.user, interaction.client.config):
            raise NotAllowed("Only coordinators can see the export history.")
        await show_history(interaction, self.page, True)


def history_view(page: int, pages: int) -> CopView:
    return persistent_view(*page_buttons(HistoryButton, page, pages))


async def show_history(interaction: CopInteraction, page: int, update: bool) -> None:
    bot = interaction.client
    async with bot.db.transaction() as session:
        views, page, pages = await export_history(
            session, bot.data_keyring, page, bot.config.learnings.page_size
        )
    embed = history_embed(views, page, pages)
    view = history_view(page, pages)
    if update:
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)
    else:
        await send(interaction, embed=embed, view=view)
