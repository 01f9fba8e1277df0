"""The export history's page buttons (coordinators only)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.checks import is_coordinator
from bot.errors import NotAllowed
from bot.mentions import NO_PINGS
from bot.services.learnings.record import export_history
from bot.ui import CopInteraction, CopItem, CopView, persistent_view
from cogs.digest.render import history_embed
from cogs.learnings.access import keyring_of


class HistoryButton(CopItem[discord.ui.Button[Any]], template=r"digest:history:(?P<page>\d+)"):
    where = "the export history"

    def __init__(self, page: int, *, label: str = "", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or f"Page {page}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"digest:history:{page}",
                disabled=disabled,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> HistoryButton:
        return cls(int(match["page"]))

    async def pressed(self, interaction: CopInteraction) -> None:
        if not is_coordinator(interaction.user, interaction.client.config):
            raise NotAllowed("Only coordinators can see the export history.")
        await show_history(interaction, self.page, True)


def history_view(page: int, pages: int) -> CopView:
    view = persistent_view()
    if pages > 1:
        view.add_item(HistoryButton(page - 1, label="◀ Newer", disabled=page <= 1))
        view.add_item(HistoryButton(page + 1, label="Older ▶", disabled=page >= pages))
    return view


async def show_history(interaction: CopInteraction, page: int, update: bool) -> None:
    bot = interaction.client
    async with bot.db.transaction() as session:
        views, page, pages = await export_history(
            session, keyring_of(bot), page, bot.config.learnings.page_size
        )
    embed = history_embed(views, page, pages)
    view = history_view(page, pages)
    if update:
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )
