"""Consults on Discord: the persistent buttons and forms (I'll help / Not this time, Reply,
Resolved, Record a learning, the /ask form), the views they put on a consult's post, and
publishing the post with its invitations. The forum, its tags and finding a post again
are in ``post``; the commands are in ``cog``, which imports this module and never the
other way round.

Each step reads or writes the database in its own short transaction and talks to Discord
between them, so a refusal from Discord never loses what the asker wrote: the consult is
saved first and posted when the bot can.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot.client import CopBot
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.mentions import NO_PINGS, only_users
from bot.models import (
    ConsultInvitationStatus,
    ConsultPostKind,
    ConsultStatus,
    Member,
)
from bot.services import consults, forum
from bot.services.members import active_member, member_by_user
from bot.ui import (
    CopButton,
    CopInteraction,
    CopItem,
    CopModal,
    OwnerOnlyView,
    bot_of,
    choices,
    persistent_view,
    safe,
    send,
)
from cogs.consults import post, render
from cogs.learnings import open_learning_form

log = logging.getLogger(__name__)


async def asking_member(session: AsyncSession, user_id: int) -> Member:
    return await active_member(
        session,
        user_id,
        "Only members of the community can use consults. If you're new, start with `/join`.",
    )


async def optional_member(session: AsyncSession, user_id: int) -> Member | None:
    return await member_by_user(session, user_id)


# --- posting a consult --------------------------------------------------------------------


def post_view(consult_id: int, anonymous: bool) -> discord.ui.View:
    items: list[discord.ui.Item[Any]] = []
    if anonymous:
        reply = ReplyButton(consult_id)
        reply.item.label = "Reply to the asker"
        items.append(reply)
    items.append(ResolveButton(consult_id))
    return persistent_view(*items)


def answer_view(consult_id: int) -> discord.ui.View:
    return persistent_view(
        AnswerButton(consult_id, helping=True), AnswerButton(consult_id, helping=False)
    )


async def publish(bot: CopBot, consult_id: int, *, recover: bool = False) -> post.Published | None:
    """Post an open consult that has no post yet, with its invitations. None when it
    could not be posted (coordinators are told; it stays saved and is tried again).

    With ``recover`` (the catch-up on connecting) a post Discord made before the bot could
    record it is found and recorded instead of being made twice."""
    channel, problem = post.forum_problem(bot)
    if channel is None:
        await post.tell_coordinators(bot, problem or "consults are not set up")
        return None
    keyring = bot.data_keyring
    async with bot.db.transaction() as session:
        row = await consults.get_consult(session, consult_id)
        if row.thread_id is not None or row.status is not ConsultStatus.OPEN:
            return None
        text = consults.open_text(keyring, row)
        themes = await consults.themes_of(session, row.id)
        asker = None
        if not row.anonymous and row.asker_id is not None:
            named = await session.get(Member, row.asker_id)
            asker = named.display_name if named is not None else None
        anonymous = row.anonymous
    if recover:
        found = await post.already_posted(channel, consult_id, themes)
        if found is not None:
            return await _recorded(bot, channel, found, consult_id, themes)
    tags = await post.sync_tags(bot, channel)
    tag_ids = forum.tag_ids_for(themes, [forum.Tag(t.name, t.id) for t in tags])
    applied = [t for t in tags if t.id in tag_ids]
    name = post.post_name(consult_id, themes)
    try:
        created = await channel.create_thread(
            name=name,
            content=render.post_intro(anonymous),
            embed=render.post_embed(consult_id, text, themes, asker),
            view=post_view(consult_id, anonymous),
            applied_tags=applied,
            allowed_mentions=NO_PINGS,
        )
    except discord.HTTPException as exc:
        await post.tell_coordinators(
            bot,
            f"The bot could not post consult #{consult_id} in the forum ({exc.status} "
            f"{exc.code}); it is saved and will be posted when the bot next can.",
        )
        return None
    return await _recorded(bot, channel, created.thread, consult_id, themes, fresh=True)


async def _recorded(
    bot: CopBot,
    channel: discord.ForumChannel,
    thread: discord.Thread,
    consult_id: int,
    themes: Sequence[str],
    *,
    fresh: bool = False,
) -> post.Published:
    """Record the post (its first message has the thread's id), then invite."""
    now = bot.clock()
    async with bot.db.transaction() as session:
        row = await consults.get_consult(session, consult_id)
        await consults.record_thread(session, row, channel.id, thread.id, thread.id, now)
        pending = [
            i
            for i in await consults.invitations_of(session, consult_id)
            if i.status is ConsultInvitationStatus.INVITED
        ]
    if fresh or not await post.invited_in(thread):
        await post_invitations(bot, consult_id, thread, [i.id for i in pending], themes)
    return post.Published(thread.id, render.thread_link(channel.guild.id, thread.id))


async def post_invitations(
    bot: CopBot,
    consult_id: int,
    thread: discord.abc.Messageable,
    invitation_ids: Sequence[int],
    themes: Sequence[str],
) -> None:
    """Mention the newly invited members in the post (pinging only them), with their
    I'll help / Not this time buttons, and queue their invitation DMs."""
    if not invitation_ids:
        return
    async with bot.db.transaction() as session:
        invitations = [await consults.invitation(session, i) for i in invitation_ids]
        users = []
        for inv in invitations:
            member = await session.get(Member, inv.member_id)
            if member is not None and member.user_id > 0:
                users.append(member.user_id)
    if not users:
        return
    try:
        message = await thread.send(
            render.invitation_text(users, themes),
            view=answer_view(consult_id),
            allowed_mentions=only_users(users),
        )
    except discord.HTTPException as exc:
        log.warning(
            "consults: could not post invitations for consult %s (%s)", consult_id, exc.status
        )
        return
    now = bot.clock()
    async with bot.db.transaction() as session:
        await consults.record_post(
            session, consult_id, ConsultPostKind.INVITATION, message.channel.id, message.id, now
        )
        invitations = [await consults.invitation(session, i) for i in invitation_ids]
        await consults.queue_invitation_dms(session, now, invitations)
    bot.outbox.wake()


# --- the persistent buttons ---------------------------------------------------------------


class AnswerButton(CopButton, template=r"consult:answer:(?P<consult_id>\d+):(?P<helping>yes|no)"):
    """I'll help / Not this time, under the message that invites members; only an invited
    member's press counts, and only their first (decided in the database)."""

    where = "a consult invitation button"

    consult_id: int
    helping: bool = choices(
        {
            "yes": ("I'll help", discord.ButtonStyle.success),
            "no": ("Not this time", discord.ButtonStyle.secondary),
        }
    )

    async def pressed(self, interaction: CopInteraction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = interaction.client
        keyring = bot.data_keyring
        now = bot.clock()
        async with bot.db.transaction() as session:
            member = await optional_member(session, interaction.user.id)
            inv = await consults.invitation_for(session, self.consult_id, member)
            result = await consults.answer(
                session,
                keyring,
                inv.id,
                member,
                self.helping,
                now,
                invite_count=bot.config.consults.invite_count,
                today=now.astimezone(bot.zone).date(),
            )
            themes = await consults.themes_of(session, self.consult_id)
            thread_id = result.consult.thread_id
            anonymous = result.consult.anonymous
            name = member.display_name if member is not None else "A member"
            asker = (
                await consults.asker_member(session, keyring, result.consult)
                if self.helping
                else None
            )
            asker_user = asker.user_id if asker is not None and asker.user_id > 0 else None
            next_ids = [i.id for i in result.invited_next]
        thread = await post.thread_of(bot, thread_id) if thread_id else None
        if self.helping:
            how = (
                "Reply with **Reply to the asker** in the post: your reply reaches them by DM."
                if anonymous
                else "Reply in the post."
            )
            await send(interaction, f"Thank you: you're helping with this consult. {how}")
            if thread is not None:
                await post.quietly(
                    thread.send(f"**{safe(name, 80)}** offered to help.", allowed_mentions=NO_PINGS)
                )
            if anonymous and asker_user is not None and thread_id is not None:
                link = render.thread_link(bot.config.discord.guild_id, thread_id)
                await post.dm(
                    bot,
                    asker_user,
                    f"**{safe(name, 80)}** offered to help with your consult: {link}",
                )
            return
        await send(
            interaction,
            "Thanks for letting us know; nobody else sees a no."
            + (" Someone else has been invited." if next_ids else ""),
        )
        if next_ids and thread is not None:
            await post_invitations(bot, self.consult_id, thread, next_ids, themes)


class ReplyButton(CopButton, template=r"consult:reply:(?P<consult_id>\d+)"):
    """Reply to an anonymous asker (in the post), or answer as the asker (in their DM)."""

    where = "a consult reply button"

    consult_id: int
    label = "Reply"
    style = discord.ButtonStyle.primary

    async def pressed(self, interaction: CopInteraction) -> None:
        await interaction.response.send_modal(ReplyModal(self.consult_id))


class ResolveButton(CopButton, template=r"consult:resolve:(?P<consult_id>\d+)"):
    """Resolved: only the asker may press it."""

    where = "a consult's Resolved button"

    consult_id: int
    label = "Resolved"
    style = discord.ButtonStyle.success

    async def pressed(self, interaction: CopInteraction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = interaction.client
        keyring = bot.data_keyring
        async with bot.db.transaction() as session:
            member = await optional_member(session, interaction.user.id)
            row = await consults.resolve(session, keyring, self.consult_id, member, bot.clock())
            helpers = [
                (m.id, m.display_name or "a member")
                for m in await consults.helpers_of(session, row.id)
            ]
            thread_id = row.thread_id
        if thread_id is not None:
            thread = await post.thread_of(bot, thread_id)
            if thread is not None:
                await post.quietly(thread.send(render.resolved_note(), allowed_mentions=NO_PINGS))
        view = ResolvedView(interaction.user.id, self.consult_id, helpers)
        lead = f"Consult **#{self.consult_id}** is marked resolved."
        if helpers:
            lead += " Thank the people who helped below: it counts in `/consult ledger`."
        lead += (
            " Then record what you learned as a learning, with the usual form and sharing levels."
        )
        await send(interaction, lead, view=view)


class LearnButton(CopButton, template=r"consult:learn:(?P<consult_id>\d+)"):
    """Record what I learned: the usual learning form."""

    where = "a consult's learning button"

    consult_id: int
    label = "Record a learning"
    style = discord.ButtonStyle.primary

    async def pressed(self, interaction: CopInteraction) -> None:
        """Only the asker records a learning from their consult; the link is kept inside the
        learning's sealed text (an anonymous asker is never linked in the clear)."""
        bot = interaction.client
        async with bot.db.transaction() as session:
            member = await optional_member(session, interaction.user.id)
            row = await consults.get_consult(session, self.consult_id)
            if not consults.is_asker(bot.data_keyring, row, member):
                raise NotAllowed(
                    "Only the person who asked can record a learning from this consult. "
                    "Use `/learning add` to record your own."
                )
        await open_learning_form(interaction, consult_id=self.consult_id)


DYNAMIC_ITEMS: tuple[type[CopItem[Any]], ...] = (
    AnswerButton,
    ReplyButton,
    ResolveButton,
    LearnButton,
)


class ThankSelect(discord.ui.Select["ResolvedView"]):
    def __init__(self, consult_id: int, helpers: Sequence[tuple[int, str]]) -> None:
        super().__init__(
            placeholder="Thank the people who helped",
            min_values=1,
            max_values=len(helpers),
            options=[
                discord.SelectOption(label=name[:100], value=str(mid)) for mid, name in helpers[:25]
            ],
        )
        self.consult_id = consult_id

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            member = await optional_member(session, interaction.user.id)
            count = await consults.thank(
                session, bot.data_keyring, self.consult_id, member, [int(v) for v in self.values]
            )
        await send(
            interaction, f"Thanked {count} {'person' if count == 1 else 'people'}. Thank you."
        )


class ResolvedView(OwnerOnlyView):
    def __init__(self, owner_id: int, consult_id: int, helpers: Sequence[tuple[int, str]]) -> None:
        super().__init__(owner_id, timeout=900)
        if helpers:
            self.add_item(ThankSelect(consult_id, helpers))
        self.add_item(LearnButton(consult_id))


# --- the forms ----------------------------------------------------------------------------


class ReplyModal(CopModal):
    text: discord.ui.TextInput[ReplyModal] = discord.ui.TextInput(
        label="Your reply",
        custom_id="text",
        style=discord.TextStyle.paragraph,
        max_length=4000,
        placeholder="Without naming people or organisations.",
    )

    def __init__(self, consult_id: int) -> None:
        super().__init__(title="Reply", custom_id=f"consult:reply-form:{consult_id}", timeout=900)
        self.consult_id = consult_id

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot = bot_of(interaction)
        keyring = bot.data_keyring
        typed = self.text.value or ""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            async with bot.db.transaction() as session:
                member = await optional_member(session, interaction.user.id)
                relay = await consults.plan_reply(session, keyring, self.consult_id, member, typed)
                name = member.display_name if member is not None else "A member"
                title = consults.open_text(keyring, relay.consult).title
                dm_user = (
                    relay.dm_to.user_id
                    if relay.dm_to is not None and relay.dm_to.user_id > 0
                    else None
                )
        except InvalidInput as problem:
            await send(
                interaction,
                problem.message + " Your text is attached, so nothing is lost.",
                file=discord.File(io.BytesIO(typed.encode()), filename="your-reply.txt"),
            )
            return
        thread = await post.thread_of(bot, relay.thread_id)
        if thread is None:
            await send(interaction, "This consult's post is gone, so the reply can't be posted.")
            return
        content = (
            render.asker_reply_text(relay.text)
            if relay.as_asker
            else render.reply_text(name, relay.text)
        )
        try:
            message = await thread.send(content, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            await send(
                interaction,
                "Discord refused the post, so your reply wasn't sent; your text is attached.",
                file=discord.File(io.BytesIO(typed.encode()), filename="your-reply.txt"),
            )
            return
        async with bot.db.transaction() as session:
            author = None if relay.as_asker else await optional_member(session, interaction.user.id)
            await consults.record_post(
                session,
                self.consult_id,
                ConsultPostKind.ASKER if relay.as_asker else ConsultPostKind.REPLY,
                thread.id,
                message.id,
                bot.clock(),
                author=author,
            )
        if relay.as_asker:
            await send(interaction, "Posted in the consult as **the asker**.")
            return
        delivered = True
        if dm_user is not None:
            link = render.thread_link(bot.config.discord.guild_id, thread.id)
            delivered = await post.dm(
                bot,
                dm_user,
                render.reply_dm(title, name, relay.text, link),
                (ReplyButton(self.consult_id).as_port(),),
            )
        await send(
            interaction,
            "Posted in the consult"
            + (" and sent to the asker." if dm_user is not None and delivered else "."),
        )


class AskModal(CopModal):
    """The challenge: a few words, what is happening, what I have tried, what would help,
    and the themes."""

    def __init__(
        self, themes: Sequence[str], draft: consults.Draft | None = None, chosen: Sequence[str] = ()
    ) -> None:
        super().__init__(title="Ask the community", custom_id="consult:ask-form", timeout=900)
        draft = draft or consults.Draft()
        self.inputs: dict[str, discord.ui.TextInput[AskModal]] = {}
        for spec in consults.FIELDS:
            field: discord.ui.TextInput[AskModal] = discord.ui.TextInput(
                label=spec.label,
                custom_id=spec.key,
                style=discord.TextStyle.paragraph if spec.paragraph else discord.TextStyle.short,
                required=spec.required,
                max_length=4000,
                placeholder=spec.placeholder[:100],
                default=draft.get(spec.key) or None,
            )
            self.inputs[spec.key] = field
            self.add_item(field)
        self.theme_select: discord.ui.Select[AskModal] = discord.ui.Select(
            custom_id="themes",
            min_values=1,
            max_values=min(consults.MAX_THEMES, len(themes)),
            options=[
                discord.SelectOption(label=t[:100], value=t, default=t in chosen)
                for t in themes[:25]
            ],
        )
        self.add_item(discord.ui.Label(text="Themes (up to 5)", component=self.theme_select))
        self.themes = tuple(themes)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        draft = consults.Draft(**{k: (f.value or "") for k, f in self.inputs.items()})
        chosen = list(self.theme_select.values)
        try:
            text = consults.validate(draft)
            themes = consults.parse_themes(chosen, self.themes)
        except InvalidInput as problem:  # a DraftProblem, or themes that are not offered
            await send(
                interaction,
                problem.message,
                view=FixView(interaction.user.id, self.themes, draft, chosen),
            )
            return
        await send(
            interaction,
            "Here is your consult. Choose who may know it's yours: **named** shows your name; "
            "**anonymous** means nobody (not even coordinators) sees who asked.",
            embed=render.post_embed(0, text, themes, None),
            view=PostChoiceView(interaction.user.id, text, themes, self.themes),
        )


class FixView(OwnerOnlyView):
    def __init__(
        self, owner_id: int, themes: Sequence[str], draft: consults.Draft, chosen: Sequence[str]
    ) -> None:
        super().__init__(owner_id, timeout=900)
        self.themes, self.draft, self.chosen = tuple(themes), draft, list(chosen)

    @discord.ui.button(label="Fix it", style=discord.ButtonStyle.primary)
    async def fix(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[FixView]
    ) -> None:
        await interaction.response.send_modal(AskModal(self.themes, self.draft, self.chosen))


class PostChoiceView(OwnerOnlyView):
    """Post named, post anonymously, or edit; one press posts it."""

    def __init__(
        self,
        owner_id: int,
        text: consults.ConsultText,
        themes: Sequence[str],
        all_themes: Sequence[str],
    ) -> None:
        super().__init__(owner_id, timeout=900)
        self.text, self.themes, self.all_themes = text, tuple(themes), tuple(all_themes)
        self.posted = False

    @discord.ui.button(label="Post with my name", style=discord.ButtonStyle.primary)
    async def named(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[PostChoiceView]
    ) -> None:
        await self._post(interaction, anonymous=False)

    @discord.ui.button(label="Post anonymously", style=discord.ButtonStyle.secondary)
    async def anonymous(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[PostChoiceView]
    ) -> None:
        await self._post(interaction, anonymous=True)

    @discord.ui.button(label="Edit", style=discord.ButtonStyle.secondary)
    async def edit(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[PostChoiceView]
    ) -> None:
        if self.posted:
            raise Conflict("This consult is already posted; use `/consult mine` to find it.")
        await interaction.response.send_modal(
            AskModal(self.all_themes, self.text.as_draft(), self.themes)
        )

    async def _post(self, interaction: discord.Interaction[Any], *, anonymous: bool) -> None:
        if self.posted:
            raise Conflict("This consult is already posted; use `/consult mine` to find it.")
        self.posted = True
        self.stop()
        await interaction.response.edit_message(view=None)
        bot = bot_of(interaction)
        keyring = bot.data_keyring
        now = bot.clock()
        async with bot.db.transaction() as session:
            asker = await asking_member(session, interaction.user.id)
            row = await consults.create_consult(
                session, keyring, asker, self.text, self.themes, now, anonymous=anonymous
            )
            await consults.invite_more(
                session,
                keyring,
                row,
                bot.config.consults.invite_count,
                now.astimezone(bot.zone).date(),
                now,
            )
            consult_id = row.id
        published = await publish(bot, consult_id)
        if published is None:
            await send(
                interaction,
                f"Your consult **#{consult_id}** is saved, but the forum isn't ready, so it isn't "
                "posted yet; coordinators have been told and it will be posted when the bot can.",
            )
            return
        who = "anonymously" if anonymous else "with your name"
        await send(interaction, f"Your consult **#{consult_id}** is posted {who}: {published.url}")
