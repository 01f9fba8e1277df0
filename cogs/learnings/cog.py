"""/learning: record a learning in under a minute, choose who may see it, read the
group's, and publish your own to the forum's knowledge base."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience
from bot.client import CopBot
from bot.datakeys import prepare_keyring
from bot.errors import InvalidInput
from bot.models import SharingLevel
from bot.replies import handle_interaction_error
from bot.services import members
from bot.services.learnings import knowledge, store
from bot.services.learnings.text import MAX_TAG_LENGTH
from bot.tags import normalise_tag
from bot.ui import CopCog, CopInteraction
from cogs.learnings.components import (
    DYNAMIC_ITEMS,
    ask_delete,
    change_sharing,
    handle_form,
    open_learning_form,
    show_page,
    start_edit,
)
from cogs.learnings.components import (
    publish as publish_learning,
)
from cogs.learnings.form import FORM_PREFIX
from cogs.learnings.forum import remove_withdrawn

LEVEL_CHOICES = [app_commands.Choice(name=level.value, value=level.value) for level in SharingLevel]
LEARNING_ID_HELP = "The learning's number, like 12 (see /learning mine)."


class Learnings(CopCog):
    learning = app_commands.Group(
        name="learning", description="Record your learnings and read the group's."
    )

    persistent_items = DYNAMIC_ITEMS

    async def cog_load(self) -> None:
        if self.bot.keyring is None:
            self.bot.keyring = await prepare_keyring(self.bot.config, self.bot.db)
        await super().cog_load()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Posts withdrawn while the bot was away (or whose removal failed) go now."""
        if self.bot.config.channels.forum is not None:
            await remove_withdrawn(self.bot)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A knowledge-base post deleted by hand is forgotten (the learning may be
        published again)."""
        if payload.parent_id == self.bot.config.channels.forum:
            async with self.bot.db.transaction() as session:
                await knowledge.removed(session, payload.thread_id)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: CopInteraction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str(dict(interaction.data or {}).get("custom_id", ""))
        if not custom_id.startswith(FORM_PREFIX + ":"):
            return
        try:
            await handle_form(interaction, custom_id)
        except Exception as exc:
            await handle_interaction_error(interaction, exc, "the learning form")

    async def _own_ids(
        self, interaction: CopInteraction, current: str
    ) -> list[app_commands.Choice[int]]:
        async with self.bot.db.transaction() as session:
            member = await members.member_by_user(session, interaction.user.id)
            if member is None:
                return []
            found = await store.my_learning_titles(session, self.bot.data_keyring, member, current)
        return [
            app_commands.Choice(name=f"#{ident} · {title} ({level.value})"[:100], value=ident)
            for ident, title, level in found
        ]

    @learning.command(name="add", description="Record a learning (about a minute).")
    @audience("member")
    async def add(self, interaction: CopInteraction) -> None:
        await open_learning_form(interaction)

    @learning.command(name="mine", description="Your learnings, newest first (only you see them).")
    @app_commands.describe(page="Which page to show (default: the first).")
    @audience("member")
    async def mine(self, interaction: CopInteraction, page: app_commands.Range[int, 1] = 1) -> None:
        await show_page(interaction, "mine", page, None, update=False)

    @learning.command(name="edit", description="Edit one of your learnings.")
    @app_commands.describe(id=LEARNING_ID_HELP)
    @audience("member")
    async def edit(self, interaction: CopInteraction, id: int) -> None:
        await start_edit(interaction, id)

    @learning.command(name="delete", description="Delete one of your learnings.")
    @app_commands.describe(id=LEARNING_ID_HELP)
    @audience("member")
    async def delete(self, interaction: CopInteraction, id: int) -> None:
        await ask_delete(interaction, id)

    @learning.command(name="share", description="Change who may see one of your learnings.")
    @app_commands.describe(
        id=LEARNING_ID_HELP,
        level="private (only you), group (members, never exported), digest-anonymous, digest-named",
    )
    @app_commands.choices(level=LEVEL_CHOICES)
    @audience("member")
    async def share(
        self, interaction: CopInteraction, id: int, level: app_commands.Choice[str]
    ) -> None:
        await change_sharing(interaction, id, level.value, update=False)

    @learning.command(
        name="publish", description="Publish one of your shared learnings to the forum."
    )
    @app_commands.describe(id=LEARNING_ID_HELP)
    @audience("member")
    async def publish(self, interaction: CopInteraction, id: int) -> None:
        await publish_learning(interaction, id, confirmed=False)

    @edit.autocomplete("id")
    @delete.autocomplete("id")
    @share.autocomplete("id")
    @publish.autocomplete("id")
    async def _id_autocomplete(
        self, interaction: CopInteraction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._own_ids(interaction, current)

    @learning.command(name="browse", description="Read learnings members shared with the group.")
    @app_commands.describe(tag="Only learnings with this theme or tag, like trust.")
    @audience("member")
    async def browse(self, interaction: CopInteraction, tag: str | None = None) -> None:
        cleaned = normalise_tag(tag) if tag else None
        if cleaned is not None and len(cleaned) > MAX_TAG_LENGTH:
            raise InvalidInput(
                f"Tags are at most {MAX_TAG_LENGTH} characters; try a shorter one, like `trust`."
            )
        await show_page(interaction, "browse", 1, cleaned or None, update=False)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Learnings(bot))
