"""/mydata: everything the bot holds about you (as JSON), and erasing it, right away."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience
from bot.mentions import NO_PINGS
from bot.models import SharingLevel
from bot.services import members, mydata
from bot.services.learnings import store
from bot.services.onboarding import personal as onboarding_personal
from bot.ui import reply_ephemeral
from cogs.learnings.ui import bot_of, guarded, guild_member, keyring_of

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)


class EraseButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mydata:(?P<action>erase|keep):(?P<user>\d+)",
):
    def __init__(self, action: str, user_id: int) -> None:
        label, style = (
            ("Erase my data now", discord.ButtonStyle.danger)
            if action == "erase"
            else ("Cancel", discord.ButtonStyle.secondary)
        )
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"mydata:{action}:{user_id}")
        )
        self.action = action
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> EraseButton:
        return cls(match["action"], int(match["user"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.user_id:
            await reply_ephemeral(interaction, "Only the person whose data it is can erase it.")
            return
        if self.action == "keep":
            await interaction.response.edit_message(
                content="Nothing was erased.", view=None, allowed_mentions=NO_PINGS
            )
            return
        await guarded(interaction, "/mydata delete", lambda: erase_now(interaction))


async def erase_now(interaction: discord.Interaction[Any]) -> None:
    bot = bot_of(interaction)
    async with bot.db.transaction() as session:
        member = await members.member_by_user(session, interaction.user.id)
        if member is None:
            await interaction.response.edit_message(
                content="The bot holds no profile or learnings for you, so there was nothing "
                "to erase.",
                view=None,
                allowed_mentions=NO_PINGS,
            )
            return
        posts = await onboarding_personal.public_posts(session, member)
        result = await mydata.erase(session, member, bot.clock())
    await scrub_posts(bot, posts)
    person = await guild_member(interaction)
    if person is not None:
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
    learnings = f"{result.learnings} {'learning' if result.learnings == 1 else 'learnings'}"
    await interaction.response.edit_message(
        content=(
            f"Done: your profile and your {learnings} are erased, and you are no longer a "
            "member. Roster history keeps only an anonymous entry. To come back, use `/join`."
        ),
        view=None,
        allowed_mentions=NO_PINGS,
    )


ERASED_REVIEW = (
    "This application's details were erased at the applicant's request (`/mydata delete`)."
)


async def scrub_posts(bot: CopBot, posts: onboarding_personal.PublicPosts) -> None:
    """Take the person's details out of what the bot posted about them: review posts keep
    only a note, introduction cards are deleted."""
    targets = [(bot.config.channels.coordinators, m, False) for m in posts.reviews] + [
        (bot.config.channels.welcome, m, True) for m in posts.introductions
    ]
    for channel_id, message_id, delete in targets:
        try:
            channel = await bot.text_channel(channel_id)
            if not isinstance(channel, discord.TextChannel):
                continue
            message = channel.get_partial_message(message_id)
            if delete:
                await message.delete()
            else:
                await message.edit(
                    content=ERASED_REVIEW, embeds=[], view=None, allowed_mentions=NO_PINGS
                )
        except discord.NotFound:
            continue
        except discord.HTTPException:
            log.warning("could not scrub message %s after an erasure", message_id)


class MyData(commands.Cog):
    mydata_group = app_commands.Group(
        name="mydata", description="See or erase everything the bot holds about you."
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(EraseButton)
        missing = mydata.missing_providers()
        if missing:
            log.warning(
                "/mydata does not yet cover: %s (no personal_data/erase_personal_data)",
                ", ".join(missing),
            )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(EraseButton)

    @mydata_group.command(name="export", description="Everything the bot holds about you, as JSON.")
    @audience("everyone")
    async def export(self, interaction: discord.Interaction[CopBot]) -> None:
        bot = self.bot
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = bot.clock()
        async with bot.db.transaction() as session:
            member = await members.member_by_user(session, interaction.user.id)
            if member is None:
                data: dict[str, Any] = {
                    "about": "The community's bot holds no profile or learnings for you.",
                    "exported_at": now.isoformat(),
                    "discord_user_id": interaction.user.id,
                }
            else:
                data = await mydata.collect(session, keyring_of(bot), member, now)
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
    async def delete(self, interaction: discord.Interaction[CopBot]) -> None:
        async with self.bot.db.transaction() as session:
            member = await members.member_by_user(session, interaction.user.id)
            counts = await store.count_by_level(session, member) if member else {}
        if member is None:
            await interaction.response.send_message(
                "The bot holds no profile or learnings for you, so there is nothing to erase.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        total = sum(counts.values())
        shared = sum(n for level, n in counts.items() if level is not SharingLevel.PRIVATE)
        view = discord.ui.View(timeout=None)
        view.add_item(EraseButton("erase", interaction.user.id))
        view.add_item(EraseButton("keep", interaction.user.id))
        await interaction.response.send_message(
            "**Erase your data?** This happens now and can't be undone:\n"
            f"• your {total} {'learning' if total == 1 else 'learnings'} ({shared} shared) "
            "are deleted;\n"
            "• your profile (name, organisation, role, where you work, interests), your "
            "application, reminders and other personal records are erased;\n"
            "• you leave the community and its facilitation rotation (the member role is "
            "removed);\n"
            "• roster history keeps your past turns, but with no name.\n"
            "Digests already exported can't be recalled. Use `/mydata export` first if you "
            "want a copy.",
            view=view,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: CopBot) -> None:
    await bot.add_cog(MyData(bot))
