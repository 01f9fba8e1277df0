"""/learning: record a learning in under a minute, choose who may see it, read the group's.

Other cogs open the form with :func:`open_learning_form` (the reminders' after-meeting
DM button does, passing the meeting).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience, has_role, is_coordinator
from bot.datakeys import prepare_keyring
from bot.errors import InvalidInput
from bot.mentions import NO_PINGS
from bot.models import SharingLevel
from bot.services import members
from bot.services.learnings import store
from bot.services.learnings.store import DraftProblem, Page, parse_level, validate
from bot.ui import handle_interaction_error
from cogs.learnings.ui import (
    COLOUR,
    DISCORD_TEXT_INPUT_MAX,
    DYNAMIC_ITEMS,
    FORM_PREFIX,
    FixDraftView,
    LearningButton,
    LearningForm,
    MeetingSelect,
    OpenSelect,
    PageButton,
    ShareSelect,
    bot_of,
    draft_file,
    draft_from,
    guild_member,
    keyring_of,
    learning_embed,
    level_line,
    list_field,
    meeting_options,
    own_record,
    parse_form_id,
    reader,
    require_member,
    safe,
    send,
    submitted_values,
)

if TYPE_CHECKING:
    from bot.client import CopBot

__all__ = ["Learnings", "open_learning_form", "setup"]

LEVEL_CHOICES = [app_commands.Choice(name=level.value, value=level.value) for level in SharingLevel]


# --- the form -------------------------------------------------------------------------


async def open_learning_form(
    interaction: discord.Interaction[Any], meeting_id: int | None = None
) -> None:
    """Answer ``interaction`` with the learning form (works from a DM too). The learning
    is linked to ``meeting_id`` when given. Non-members get a polite refusal."""
    bot = bot_of(interaction)
    person = await guild_member(interaction)
    if person is None or not (
        has_role(person, bot.config.roles.member) or is_coordinator(person, bot.config)
    ):
        await send(
            interaction,
            content=(
                "Only members of the community can record learnings. Use `/join` to apply, "
                "or `/about` to read about the community."
            ),
        )
        return
    await interaction.response.send_modal(
        LearningForm(title="Record a learning", mode="add", meeting_id=meeting_id)
    )


def confirmation_view(
    row_id: int,
    level: SharingLevel,
    meetings: list[store.MeetingChoice],
    meeting_id: int | None,
    zone: Any,
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ShareSelect(row_id, level))
    if meetings or meeting_id is not None:
        known = {m.id for m in meetings}
        if meeting_id is not None and meeting_id not in known:
            meetings = meetings[:23]
        view.add_item(MeetingSelect(row_id, meeting_options(meetings, meeting_id, zone)))
    return view


def saved_text(row_id: int, title: str, level: SharingLevel, *, created: bool) -> str:
    what = "Saved" if created else "Updated"
    text = f"{what} learning **#{row_id}** · {safe(title)}. It is {level_line(level)}."
    if level is SharingLevel.PRIVATE:
        text += (
            "\nWho may see it? Choose below (you can change it any time with `/learning share`)."
        )
    return text


async def handle_form(interaction: discord.Interaction[Any], custom_id: str) -> None:
    parsed = parse_form_id(custom_id)
    if parsed is None:
        return
    mode, learning_id, meeting_id = parsed
    bot = bot_of(interaction)
    draft = draft_from(submitted_values(interaction.data))
    try:
        text = validate(draft)
    except DraftProblem as problem:
        kwargs: dict[str, Any] = {
            "content": problem.message,
            "view": FixDraftView(
                interaction.user.id, draft, problem.fields, mode, learning_id, meeting_id
            ),
        }
        if any(len(draft.get(key)) > DISCORD_TEXT_INPUT_MAX for key in problem.fields):
            kwargs["content"] += " The full text is attached, too."
            kwargs["file"] = draft_file(draft)
        await send(interaction, **kwargs)
        return
    keyring = keyring_of(bot)
    now = bot.clock()
    async with bot.db.transaction() as session:
        if mode == "add":
            member = await require_member(interaction, session)
            row = await store.add_learning(
                session, keyring, member, text, now, meeting_id=meeting_id
            )
        else:
            assert learning_id is not None
            member = await own_record(interaction, session)
            row = await store.edit_learning(session, keyring, learning_id, member, text, now)
        meetings = await store.recent_meetings(session, now)
        row_id, level, linked = row.id, row.sharing, row.meeting_id
    await send(
        interaction,
        content=saved_text(row_id, text.title, level, created=mode == "add"),
        view=confirmation_view(row_id, level, meetings, linked, bot.zone),
    )


# --- actions shared by commands and components -------------------------------------------


async def change_sharing(
    interaction: discord.Interaction[Any], learning_id: int, value: str, *, update: bool
) -> None:
    bot = bot_of(interaction)
    level = parse_level(value)
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        row = await store.set_sharing(
            session, keyring_of(bot), learning_id, member, level, bot.clock()
        )
        meetings = await store.recent_meetings(session, bot.clock())
        row_id, linked = row.id, row.meeting_id
    content = f"Learning **#{row_id}** is now {level_line(level)}."
    if update and interaction.message is not None:
        view = confirmation_view(row_id, level, meetings, linked, bot.zone)
        if interaction.message.embeds:  # the full view of one learning keeps its buttons
            view.add_item(LearningButton("edit", row_id))
            view.add_item(LearningButton("delete", row_id))
        await interaction.response.edit_message(
            content=content, view=view, allowed_mentions=NO_PINGS
        )
    else:
        await send(interaction, content=content)


async def change_meeting(
    interaction: discord.Interaction[Any], learning_id: int, choice: str
) -> None:
    bot = bot_of(interaction)
    meeting_id = int(choice) if choice.isdigit() else None
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        row = await store.link_meeting(session, learning_id, member, meeting_id, bot.clock())
        meetings = await store.recent_meetings(session, bot.clock())
        level, starts = row.sharing, row.meeting_starts_at
    if starts is not None:
        from bot.timeutil import show

        content = f"Learning **#{learning_id}** is linked to the meeting of {show(starts, 'D')}."
    else:
        content = f"Learning **#{learning_id}** isn't linked to a meeting."
    await interaction.response.edit_message(
        content=content,
        view=confirmation_view(learning_id, level, meetings, meeting_id, bot.zone),
        allowed_mentions=NO_PINGS,
    )


async def button_pressed(
    interaction: discord.Interaction[Any], action: str, learning_id: int
) -> None:
    bot = bot_of(interaction)
    if action == "edit":
        await start_edit(interaction, learning_id)
        return
    if action == "delete":
        await ask_delete(interaction, learning_id)
        return
    if action == "delete-no":
        await interaction.response.edit_message(
            content=f"Kept learning **#{learning_id}**.", view=None, embed=None
        )
        return
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        await store.delete_learning(session, learning_id, member)
    await interaction.response.edit_message(
        content=f"Deleted learning **#{learning_id}**. It is gone for good.",
        view=None,
        embed=None,
        allowed_mentions=NO_PINGS,
    )


async def start_edit(interaction: discord.Interaction[Any], learning_id: int) -> None:
    bot = bot_of(interaction)
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        view = await store.read_own(session, keyring_of(bot), learning_id, member)
    await interaction.response.send_modal(
        LearningForm(
            title=f"Edit learning #{learning_id}",
            mode="edit",
            learning_id=learning_id,
            draft=view.text.as_draft(),
        )
    )


async def ask_delete(interaction: discord.Interaction[Any], learning_id: int) -> None:
    bot = bot_of(interaction)
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        view = await store.read_own(session, keyring_of(bot), learning_id, member)
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(LearningButton("delete-yes", learning_id, row=0))
    buttons.add_item(LearningButton("delete-no", learning_id, row=0))
    await send(
        interaction,
        content=(
            f"Delete learning **#{learning_id}** · {safe(view.text.title)}? This can't be undone."
        ),
        view=buttons,
    )


def page_view(
    kind: str, page: Page, tag: str | None, options: list[discord.SelectOption]
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if options:
        view.add_item(OpenSelect(kind, options))
    if page.pages > 1:
        view.add_item(
            PageButton(kind, page.page - 1, tag or "", label="◀ Newer", disabled=page.page <= 1)
        )
        view.add_item(
            PageButton(
                kind, page.page + 1, tag or "", label="Older ▶", disabled=page.page >= page.pages
            )
        )
    return view


async def show_page(
    interaction: discord.Interaction[Any], kind: str, number: int, tag: str | None, *, update: bool
) -> None:
    bot = bot_of(interaction)
    size = bot.config.learnings.page_size
    keyring = keyring_of(bot)
    async with bot.db.transaction() as session:
        if kind == "mine":
            member = await own_record(interaction, session)
            page = await store.my_learnings(session, keyring, member, number, size)
        else:
            page = await store.browse(
                session, keyring, await reader(interaction, session), tag, number, size
            )
    excerpt_limit = max(80, 700 // max(1, len(page.items)))
    if kind == "mine":
        title = "Your learnings"
        empty = (
            "You haven't recorded any learnings yet. Use `/learning add` to record one: it "
            "takes under a minute."
        )
    else:
        title = "Learnings shared with the group" + (f" · tag {safe(tag)}" if tag else "")
        empty = (
            f"No one has shared a learning tagged `{safe(tag)}` yet. Try `/learning browse` "
            "without a tag."
            if tag
            else "No one has shared a learning with the group yet."
        )
    embed = discord.Embed(title=title, colour=COLOUR)
    if not page.items:
        embed.description = empty
    else:
        embed.description = (
            f"{page.total} in all · page {page.page} of {page.pages}. Pick one below to read it "
            "in full."
        )
        for item in page.items:
            name, value = list_field(item, bot.zone, show_level=kind == "mine", limit=excerpt_limit)
            embed.add_field(name=name, value=value, inline=False)
    options = [
        discord.SelectOption(label=f"#{item.id} · {item.text.title}"[:100], value=str(item.id))
        for item in page.items
    ]
    view = page_view(kind, page, tag, options)
    if update:
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)
    else:
        await send(interaction, embed=embed, view=view)


async def open_one(interaction: discord.Interaction[Any], kind: str, learning_id: int) -> None:
    bot = bot_of(interaction)
    keyring = keyring_of(bot)
    async with bot.db.transaction() as session:
        if kind == "mine":
            member = await own_record(interaction, session)
            item = await store.read_own(session, keyring, learning_id, member)
        else:
            item = await store.read_shared(
                session, keyring, await reader(interaction, session), learning_id
            )
        meetings = await store.recent_meetings(session, bot.clock()) if item.mine else []
    embed = learning_embed(item, bot.zone)
    if item.mine:
        view = confirmation_view(item.id, item.sharing, meetings, item.meeting_id, bot.zone)
        view.add_item(LearningButton("edit", item.id))
        view.add_item(LearningButton("delete", item.id))
        await send(interaction, embed=embed, view=view)
    else:
        await send(interaction, embed=embed)


# --- the cog ------------------------------------------------------------------------------


class Learnings(commands.Cog):
    learning = app_commands.Group(
        name="learning", description="Record your learnings and read the group's."
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        if self.bot.keyring is None:
            self.bot.keyring = await prepare_keyring(self.bot.config, self.bot.db)
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
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
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        async with self.bot.db.transaction() as session:
            member = await members.member_by_user(session, interaction.user.id)
            if member is None:
                return []
            found = await store.my_learning_titles(session, keyring_of(self.bot), member, current)
        return [
            app_commands.Choice(name=f"#{ident} · {title} ({level.value})"[:100], value=ident)
            for ident, title, level in found
        ]

    @learning.command(name="add", description="Record a learning (about a minute).")
    @audience("member")
    async def add(self, interaction: discord.Interaction[CopBot]) -> None:
        await open_learning_form(interaction)

    @learning.command(name="mine", description="Your learnings, newest first (only you see them).")
    @app_commands.describe(page="Which page to show (default: the first).")
    @audience("member")
    async def mine(
        self, interaction: discord.Interaction[CopBot], page: app_commands.Range[int, 1] = 1
    ) -> None:
        await show_page(interaction, "mine", page, None, update=False)

    @learning.command(name="edit", description="Edit one of your learnings.")
    @app_commands.describe(id="The learning's number, like 12 (see /learning mine).")
    @audience("member")
    async def edit(self, interaction: discord.Interaction[CopBot], id: int) -> None:
        await start_edit(interaction, id)

    @learning.command(name="delete", description="Delete one of your learnings.")
    @app_commands.describe(id="The learning's number, like 12 (see /learning mine).")
    @audience("member")
    async def delete(self, interaction: discord.Interaction[CopBot], id: int) -> None:
        await ask_delete(interaction, id)

    @learning.command(name="share", description="Change who may see one of your learnings.")
    @app_commands.describe(
        id="The learning's number, like 12 (see /learning mine).",
        level="private (only you), group (members, never exported), digest-anonymous, digest-named",
    )
    @app_commands.choices(level=LEVEL_CHOICES)
    @audience("member")
    async def share(
        self,
        interaction: discord.Interaction[CopBot],
        id: int,
        level: app_commands.Choice[str],
    ) -> None:
        await change_sharing(interaction, id, level.value, update=False)

    @edit.autocomplete("id")
    @delete.autocomplete("id")
    @share.autocomplete("id")
    async def _id_autocomplete(
        self, interaction: discord.Interaction[CopBot], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._own_ids(interaction, current)

    @learning.command(name="browse", description="Read learnings members shared with the group.")
    @app_commands.describe(tag="Only learnings with this theme or tag, like trust.")
    @audience("member")
    async def browse(
        self, interaction: discord.Interaction[CopBot], tag: str | None = None
    ) -> None:
        cleaned = store.normalise_tag(tag) if tag else None
        if cleaned is not None and len(cleaned) > store.MAX_TAG_LENGTH:
            raise InvalidInput(
                f"Tags are at most {store.MAX_TAG_LENGTH} characters; try a shorter one, like "
                "`trust`."
            )
        await show_page(interaction, "browse", 1, cleaned or None, update=False)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Learnings(bot))
