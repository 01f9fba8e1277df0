"""/about and /help: the community's info sheet, and what each kind of person can do."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.checks import Audience, audience, audience_of
from bot.client import CopBot
from bot.config import AppConfig
from bot.ui import CopCog, CopInteraction, send

EMBED_COLOUR = discord.Colour.teal()


def info_sheet_embed(config: AppConfig, *, join_hint: bool = True) -> discord.Embed:
    """The community's info sheet: purpose, membership rules and principles."""
    community = config.community
    rules = "\n".join(f"{n}. {rule}" for n, rule in enumerate(community.rules, start=1))
    principles = "\n".join(f"• {p}" for p in community.principles)
    parts = [
        community.purpose,
        f"**Membership rules** (version {community.rules_version})\n{rules}",
    ]
    if principles:
        parts.append(f"**Our principles**\n{principles}")
    if join_hint:
        parts.append(
            "**How to join**\nUse `/join` to apply: the bot checks the rules with you, "
            "then a coordinator reviews your application."
        )
    return discord.Embed(title=community.name, description="\n\n".join(parts), colour=EMBED_COLOUR)


_HEADINGS: dict[Audience, str] = {
    "everyone": "For everyone",
    "member": "For members",
    "coordinator": "For coordinators",
}


def command_catalogue(
    tree: app_commands.CommandTree[Any],
) -> dict[Audience, list[tuple[str, str]]]:
    """Every slash command (subcommands flattened), grouped by who it is for."""
    grouped: dict[Audience, list[tuple[str, str]]] = {key: [] for key in _HEADINGS}
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            grouped[audience_of(command)].append(
                (f"/{command.qualified_name}", command.description)
            )
    for entries in grouped.values():
        entries.sort()
    return grouped


def help_embed(tree: app_commands.CommandTree[Any], community_name: str) -> discord.Embed:
    sections = []
    for who, entries in command_catalogue(tree).items():
        if entries:
            lines = "\n".join(f"`{name}` {description}" for name, description in entries)
            sections.append(f"**{_HEADINGS[who]}**\n{lines}")
    return discord.Embed(
        title=f"{community_name}: commands",
        description="\n\n".join(sections)[:4096],
        colour=EMBED_COLOUR,
    )


class About(CopCog):
    @app_commands.command(name="about", description="The community's info sheet and how to join.")
    @audience("everyone")
    async def about(self, interaction: CopInteraction) -> None:
        await send(interaction, embed=info_sheet_embed(self.bot.config))

    @app_commands.command(name="help", description="What you can do with the bot.")
    @audience("everyone")
    async def help(self, interaction: CopInteraction) -> None:
        await send(interaction, embed=help_embed(self.bot.tree, self.bot.config.community.name))


async def setup(bot: CopBot) -> None:
    await bot.add_cog(About(bot))
