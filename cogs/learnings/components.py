"""The persistent menus and buttons on learnings, and what they (and the commands) do:
saving the form, choosing who may see a learning, linking a meeting, editing, deleting,
paging, reading one in full and publishing it to the forum.

Every press goes through the one error path (``bot.ui.CopButton``, ``CopSelect``);
every send passes ``NO_PINGS``. Nothing here logs what a member typed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot import port
from bot.errors import Conflict
from bot.mentions import NO_PINGS
from bot.models import SharingLevel
from bot.services.learnings import knowledge, store
from bot.services.learnings.store import MeetingChoice
from bot.services.learnings.text import LEVEL_MEANINGS, DraftProblem, parse_level, validate
from bot.timeutil import show
from bot.ui import (
    CopButton,
    CopInteraction,
    CopSelect,
    CopView,
    choices,
    page_buttons,
    persistent_view,
    safe,
    send,
)
from cogs.learnings.access import (
    guild_member,
    holds_member_role,
    own_record,
    reader,
    require_member,
)
from cogs.learnings.form import (
    DISCORD_TEXT_INPUT_MAX,
    FixDraftView,
    LearningForm,
    draft_file,
    draft_from,
    parse_form_id,
    submitted_values,
)
from cogs.learnings.forum import create_post, forum_channel, remove_withdrawn, update_post
from cogs.learnings.render import (
    LEVEL_LABELS,
    flags_question,
    learning_embed,
    level_line,
    page_embed,
    saved_text,
)

log = logging.getLogger(__name__)

# --- the form -------------------------------------------------------------------------


async def open_learning_form(
    interaction: CopInteraction, meeting_id: int | None = None, consult_id: int | None = None
) -> None:
    """Answer ``interaction`` with the learning form (works from a DM too). The learning
    is linked to ``meeting_id`` when given, and to ``consult_id`` (inside its sealed text;
    the caller checked that the member asked that consult). Non-members get a polite
    refusal."""
    person = await guild_member(interaction)
    if not holds_member_role(interaction.client, person):
        await send(
            interaction,
            "Only members of the community can record learnings. Use `/join` to apply, "
            "or `/about` to read about the community.",
        )
        return
    await interaction.response.send_modal(
        LearningForm(
            title="Record a learning", mode="add", meeting_id=meeting_id, consult_id=consult_id
        )
    )


async def handle_form(interaction: CopInteraction, custom_id: str) -> None:
    parsed = parse_form_id(custom_id)
    if parsed is None:
        return
    mode, learning_id, meeting_id, consult_id = parsed
    bot = interaction.client
    draft = draft_from(submitted_values(interaction.data))
    try:
        text = validate(draft)
    except DraftProblem as problem:
        kwargs: dict[str, Any] = {
            "view": FixDraftView(interaction.user.id, draft, problem.fields, parsed)
        }
        message = problem.message
        if any(len(draft.get(key)) > DISCORD_TEXT_INPUT_MAX for key in problem.fields):
            message += " The full text is attached, too."
            kwargs["file"] = draft_file(draft)
        await send(interaction, message, **kwargs)
        return
    keyring = bot.data_keyring
    now = bot.clock()
    post: int | None = None
    post_content: knowledge.PostContent | None = None
    async with bot.db.transaction() as session:
        if mode == "add":
            member = await require_member(interaction, session)
            row = await store.add_learning(
                session, keyring, member, text, now, meeting_id=meeting_id, consult_id=consult_id
            )
        else:
            assert learning_id is not None
            member = await own_record(interaction, session)
            row = await store.edit_learning(session, keyring, learning_id, member, text, now)
            post = await knowledge.touched(session, row.id, now)
            if post is not None:
                post_content = await knowledge.post_content(session, keyring, row.id, member)
        meetings = await store.recent_meetings(session, now)
        row_id, level, linked = row.id, row.sharing, row.meeting_id
    message = saved_text(row_id, text.title, level, created=mode == "add")
    if post is not None and post_content is not None:
        if post_content.flags:
            async with bot.db.transaction() as session:
                await knowledge.withdraw(session, [row_id])
            await remove_withdrawn(bot)
            message += (
                "\nIts forum post was removed, because the text now mentions "
                + ", ".join(f"`{f.replace('`', 'ˋ')[:60]}`" for f in post_content.flags[:10])
                + ". Publish it again to confirm that it may."
            )
        else:
            await update_post(bot, post, post_content)
    await send(
        interaction, message, view=confirmation_view(row_id, level, meetings, linked, bot.zone)
    )


# --- views ----------------------------------------------------------------------------


def sharing_options(current: SharingLevel) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(
            label=LEVEL_LABELS[level][:100],
            value=level.value,
            description=LEVEL_MEANINGS[level][:100],
            default=level is current,
        )
        for level in SharingLevel
    ]


def meeting_options(
    meetings: Sequence[MeetingChoice], current: int | None, zone: Any
) -> list[discord.SelectOption]:
    options = [
        discord.SelectOption(label="Not linked to a meeting", value="none", default=current is None)
    ]
    for m in meetings[:24]:
        local = m.starts_at.astimezone(zone)
        label = f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y, %H:%M')}"
        if m.title:
            label += f" · {m.title}"
        options.append(
            discord.SelectOption(label=label[:100], value=str(m.id), default=m.id == current)
        )
    return options


def confirmation_view(
    row_id: int,
    level: SharingLevel,
    meetings: list[MeetingChoice],
    meeting_id: int | None,
    zone: Any,
    *,
    in_full: bool = False,
) -> CopView:
    """Who may see one of your learnings and its meeting; ``in_full`` (under the learning
    itself) adds Edit, Delete and (when shared with members) Publish to the forum."""
    view = persistent_view(ShareSelect(row_id).offering(sharing_options(level)))
    if meetings or meeting_id is not None:
        known = {m.id for m in meetings}
        if meeting_id is not None and meeting_id not in known:
            meetings = meetings[:23]
        options = meeting_options(meetings, meeting_id, zone)
        view.add_item(MeetingSelect(row_id).offering(options))
    if in_full:
        actions = ["edit", "delete"]
        if level is not SharingLevel.PRIVATE:
            actions.append("publish")
        for action in actions:
            view.add_item(OwnLearningButton(action, row_id).shown(row=2))
    return view


# --- actions shared by commands and components -------------------------------------------


async def change_sharing(
    interaction: CopInteraction, learning_id: int, value: str, *, update: bool
) -> None:
    bot = interaction.client
    level = parse_level(value)
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        before = await store.read_own(session, bot.data_keyring, learning_id, member)
        row = await store.set_sharing(
            session, bot.data_keyring, learning_id, member, level, bot.clock()
        )
        meetings = await store.recent_meetings(session, bot.clock())
        row_id, linked = row.id, row.meeting_id
    content = f"Learning **#{row_id}** is now {level_line(level)}."
    if before.post_id is not None and not knowledge.keeps_post(before.sharing, level):
        await remove_withdrawn(bot)
        content += " Its forum post was removed; publish it again if you want it there."
    if update and interaction.message is not None:
        in_full = bool(interaction.message.embeds)  # the full view keeps its buttons
        view = confirmation_view(row_id, level, meetings, linked, bot.zone, in_full=in_full)
        await interaction.response.edit_message(
            content=content, view=view, allowed_mentions=NO_PINGS
        )
    else:
        await send(interaction, content)


async def change_meeting(interaction: CopInteraction, learning_id: int, choice: str) -> None:
    bot = interaction.client
    meeting_id = int(choice) if choice.isdigit() else None
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        row = await store.link_meeting(session, learning_id, member, meeting_id, bot.clock())
        meetings = await store.recent_meetings(session, bot.clock())
        level, starts = row.sharing, row.meeting_starts_at
    if starts is not None:
        content = f"Learning **#{learning_id}** is linked to the meeting of {show(starts, 'D')}."
    else:
        content = f"Learning **#{learning_id}** isn't linked to a meeting."
    await interaction.response.edit_message(
        content=content,
        view=confirmation_view(learning_id, level, meetings, meeting_id, bot.zone),
        allowed_mentions=NO_PINGS,
    )


async def start_edit(interaction: CopInteraction, learning_id: int) -> None:
    bot = interaction.client
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        view = await store.read_own(session, bot.data_keyring, learning_id, member)
    await interaction.response.send_modal(
        LearningForm(
            title=f"Edit learning #{learning_id}",
            mode="edit",
            learning_id=learning_id,
            draft=view.text.as_draft(),
        )
    )


async def ask_delete(interaction: CopInteraction, learning_id: int) -> None:
    bot = interaction.client
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        view = await store.read_own(session, bot.data_keyring, learning_id, member)
    buttons = persistent_view(
        OwnLearningButton("delete-yes", learning_id), OwnLearningButton("delete-no", learning_id)
    )
    also = " Its forum post goes too." if view.post_id is not None else ""
    await send(
        interaction,
        f"Delete learning **#{learning_id}** · {safe(view.text.title)}? This can't be "
        f"undone.{also}",
        view=buttons,
    )


async def delete_now(interaction: CopInteraction, learning_id: int) -> None:
    bot = interaction.client
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        await store.delete_learning(session, learning_id, member)
    await remove_withdrawn(bot)
    await interaction.response.edit_message(
        content=f"Deleted learning **#{learning_id}**. It is gone for good.",
        view=None,
        embed=None,
        allowed_mentions=NO_PINGS,
    )


async def publish(interaction: CopInteraction, learning_id: int, *, confirmed: bool) -> None:
    """Publish the author's learning to the forum; a text that names someone asks first."""
    bot = interaction.client
    forum = await forum_channel(bot)
    now = bot.clock()
    async with bot.db.transaction() as session:
        member = await own_record(interaction, session)
        content = await knowledge.post_content(session, bot.data_keyring, learning_id, member)
        if content.flags and not confirmed:
            await send(
                interaction,
                flags_question(learning_id, content.flags),
                view=persistent_view(OwnLearningButton("publish-yes", learning_id)),
            )
            return
        claim = await knowledge.claim(session, learning_id, forum.id, content.anonymous, now)
        claim_id = claim.id
    try:
        thread_id = await create_post(bot, forum, content)
    except port.PortError as exc:
        async with bot.db.transaction() as session:
            await knowledge.unclaim(session, claim_id)
        log.warning(
            "the forum %s refused a knowledge-base post (%s): check the bot's "
            "permissions there (Send Messages, Manage Channels for tags)",
            forum.id,
            exc.detail,
        )
        raise Conflict(
            "The forum didn't take the post, so nothing was published. The bot may lack "
            "permission there; a coordinator can see why in the bot's log."
        ) from None
    async with bot.db.transaction() as session:
        await knowledge.posted(session, claim_id, thread_id, now)
    who = "with no name" if content.anonymous else "with your name"
    await send(
        interaction,
        f"Published learning **#{learning_id}** to the forum {who}: <#{thread_id}>. Editing "
        "the learning updates the post; deleting it or making it less shared removes it.",
    )


# --- pages ------------------------------------------------------------------------------


def page_view(
    kind: str, page: store.Page, tag: str | None, options: list[discord.SelectOption]
) -> CopView:
    view = persistent_view()
    if options:
        view.add_item(OpenSelect(kind).offering(options))
    for button in page_buttons(
        lambda n: PageButton(kind, n, tag or ""), page.page, page.pages, row=1
    ):
        view.add_item(button)
    return view


async def show_page(
    interaction: CopInteraction, kind: str, number: int, tag: str | None, *, update: bool
) -> None:
    bot = interaction.client
    size = bot.config.learnings.page_size
    keyring = bot.data_keyring
    async with bot.db.transaction() as session:
        if kind == "mine":
            member = await own_record(interaction, session)
            page = await store.my_learnings(session, keyring, member, number, size)
        else:
            page = await store.browse(
                session, keyring, await reader(interaction, session), tag, number, size
            )
    embed = page_embed(kind, page, tag, bot.zone)
    options = [
        discord.SelectOption(label=f"#{item.id} · {item.text.title}"[:100], value=str(item.id))
        for item in page.items
    ]
    view = page_view(kind, page, tag, options)
    if update:
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)
    else:
        await send(interaction, embed=embed, view=view)


async def open_one(interaction: CopInteraction, kind: str, learning_id: int) -> None:
    bot = interaction.client
    keyring = bot.data_keyring
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
        view = confirmation_view(
            item.id, item.sharing, meetings, item.meeting_id, bot.zone, in_full=True
        )
        await send(interaction, embed=embed, view=view)
    else:
        await send(interaction, embed=embed)


# --- persistent menus and buttons --------------------------------------------------------


class ShareSelect(CopSelect, template=r"learning:share:(?P<learning_id>\d+)"):
    """Choose who may see a learning (shown with each of the author's learnings)."""

    where = "the sharing menu"
    placeholder = "Who may see it?"

    learning_id: int

    async def pressed(self, interaction: CopInteraction) -> None:
        if self.choice is None:
            await interaction.response.defer()
            return
        await change_sharing(interaction, self.learning_id, self.choice, update=True)


class MeetingSelect(CopSelect, template=r"learning:meeting:(?P<learning_id>\d+)"):
    """Link a learning to one of the recent meetings."""

    where = "the meeting menu"
    placeholder = "Which meeting was it from?"

    learning_id: int

    async def pressed(self, interaction: CopInteraction) -> None:
        await change_meeting(interaction, self.learning_id, self.choice or "none")


class OwnLearningButton(
    CopButton,
    template=(
        r"learning:(?P<action>edit|delete|delete-yes|delete-no|publish|publish-yes)"
        r":(?P<learning_id>\d+)"
    ),
):
    """Edit / Delete / Publish on one of your learnings, and their confirmations."""

    where = "a learning button"

    action: str = choices(
        {
            "edit": "Edit",
            "delete": ("Delete", discord.ButtonStyle.danger),
            "delete-yes": ("Delete it", discord.ButtonStyle.danger),
            "delete-no": "Keep it",
            "publish": ("Publish to the forum", discord.ButtonStyle.primary),
            "publish-yes": ("Publish anyway", discord.ButtonStyle.primary),
        }
    )
    learning_id: int

    async def pressed(self, interaction: CopInteraction) -> None:
        action, learning_id = self.action, self.learning_id
        if action == "edit":
            await start_edit(interaction, learning_id)
        elif action == "delete":
            await ask_delete(interaction, learning_id)
        elif action == "delete-no":
            await interaction.response.edit_message(
                content=f"Kept learning **#{learning_id}**.", view=None, embed=None
            )
        elif action == "delete-yes":
            await delete_now(interaction, learning_id)
        else:
            await publish(interaction, learning_id, confirmed=action == "publish-yes")


class PageButton(
    CopButton,
    template=r"learning:page:(?P<kind>mine|browse):(?P<page>\d+):(?P<tag>.{0,60})",
):
    """Previous / next page of /learning mine and /learning browse (a tag is at most
    ``MAX_TAG_LENGTH`` characters, so the custom id stays within Discord's 100)."""

    where = "a page button"

    kind: str
    page: int
    tag: str

    def appearance(self) -> tuple[str, discord.ButtonStyle]:
        return f"Page {self.page}", self.style

    async def pressed(self, interaction: CopInteraction) -> None:
        await show_page(interaction, self.kind, self.page, self.tag or None, update=True)


class OpenSelect(CopSelect, template=r"learning:open:(?P<kind>mine|browse)"):
    """Read one learning of the page in full."""

    where = "the learning menu"
    placeholder = "Read one in full…"

    kind: str

    async def pressed(self, interaction: CopInteraction) -> None:
        if self.choice is None or not self.choice.isdigit():
            await interaction.response.defer()
            return
        await open_one(interaction, self.kind, int(self.choice))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ShareSelect,
    MeetingSelect,
    OwnLearningButton,
    PageButton,
    OpenSelect,
)
