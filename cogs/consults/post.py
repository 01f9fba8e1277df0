"""Where a consult's post lives: the forum and its tags, finding the post's thread again
(also after a crash between Discord making the post and the bot recording it), the
one-line notes to coordinators, the invitation DM the outbox sends, and the two ways a
consult's own messages go out without failing the press (``quietly``, ``dm``). Nothing here
carries a button: the buttons, forms and the views on the post are in ``components``,
which uses this module and never the other way round.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.client import CopBot
from bot.services import consults, forum, outbound
from cogs.consults import render

log = logging.getLogger(__name__)

NEEDED = (
    "read_messages",
    "send_messages",
    "embed_links",
    "read_message_history",
    "send_messages_in_threads",
)
"""What the bot needs in the forum, by discord.py's permission names (read_messages is
View Channel)."""


# --- the forum ----------------------------------------------------------------------------


def forum_problem(bot: CopBot) -> tuple[discord.ForumChannel | None, str | None]:
    """The configured forum, or the one line that says what is wrong with it."""
    forum_id = bot.config.channels.forum
    if forum_id is None:
        return None, "channels.forum is not set, so /ask can't post consults; set it to a forum."
    channel = bot.get_channel(forum_id)
    if not isinstance(channel, discord.ForumChannel):
        return None, (
            f"channels.forum: channel {forum_id} is not a forum channel in the server, so /ask "
            "can't post consults."
        )
    me = channel.guild.me
    if me is None:
        return None, "The bot is not in the server yet, so /ask can't post consults."
    perms = channel.permissions_for(me)
    missing = [name for name in NEEDED if not getattr(perms, name)]
    if missing:
        return None, (
            f"The bot lacks {', '.join(missing)} in the forum #{channel.name}, so /ask can't "
            "post consults; grant them to its role."
        )
    return channel, None


_TOLD: weakref.WeakKeyDictionary[CopBot, set[str]] = weakref.WeakKeyDictionary()
"""The problems each running bot has told coordinators about (so each is told once)."""


async def tell_coordinators(bot: CopBot, line: str) -> None:
    """One clear line to coordinators (and the log), once per problem per run."""
    told = _TOLD.setdefault(bot, set())
    if line in told:
        return
    told.add(line)
    log.warning("consults: %s", line)
    try:
        await bot.port.post(bot.config.channels.coordinators, port.Message(content=line))
    except port.PortError:
        log.warning("consults: could not tell the coordinators")


async def sync_tags(bot: CopBot, channel: discord.ForumChannel) -> Sequence[discord.ForumTag]:
    """Make sure the forum has a tag for each of the community's themes."""
    existing = list(channel.available_tags)
    plan = forum.plan_tags(
        [forum.Tag(t.name, t.id, t.moderated) for t in existing], bot.config.consults.themes
    )
    if not plan.changed:
        return existing
    if not channel.permissions_for(channel.guild.me).manage_channels:
        await tell_coordinators(
            bot,
            f"The bot can't add tags for the community's themes to the forum #{channel.name} "
            "(it needs Manage Channels there); consults are posted without those tags.",
        )
        return existing
    wanted = existing + [discord.ForumTag(name=t.name) for t in plan.tags[len(existing) :]]
    try:
        edited = await channel.edit(available_tags=wanted)
    except discord.HTTPException as exc:
        await tell_coordinators(
            bot, f"The bot could not add tags to the forum #{channel.name} ({exc.status})."
        )
        return existing
    if isinstance(edited, discord.ForumChannel):
        return list(edited.available_tags)
    return existing


# --- posting a consult --------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    thread_id: int
    url: str


def post_name(consult_id: int, themes: Sequence[str]) -> str:
    """The post's name: its number and themes, never what the asker typed (so that an
    erasure that replaces the post's messages leaves nothing of it)."""
    return forum.thread_name(", ".join(themes), prefix=f"Consult #{consult_id}: ")


async def already_posted(
    channel: discord.ForumChannel, consult_id: int, themes: Sequence[str]
) -> discord.Thread | None:
    """After a crash between Discord making the post and the bot recording it: the post,
    found among the forum's active threads by its name."""
    try:
        active = await channel.guild.active_threads()
    except discord.HTTPException:
        return None
    name = post_name(consult_id, themes)
    for thread in active:
        if (
            thread.parent_id == channel.id
            and thread.name == name
            and thread.owner_id == channel.guild.me.id
        ):
            return thread
    return None


async def invited_in(thread: discord.Thread) -> bool:
    """Whether the post already holds an invitation message (so none is sent twice)."""
    try:
        async for message in thread.history(limit=25):
            for row in message.components:
                for item in getattr(row, "children", []):
                    if str(getattr(item, "custom_id", "")).startswith("consult:answer:"):
                        return True
    except discord.HTTPException:
        return False
    return False


async def thread_of(bot: CopBot, thread_id: int) -> discord.Thread | None:
    channel = bot.get_channel(thread_id)
    if isinstance(channel, discord.Thread):
        return channel
    try:
        fetched = await bot.fetch_channel(thread_id)
    except discord.HTTPException:
        return None
    return fetched if isinstance(fetched, discord.Thread) else None


async def render_invitation_dm(
    bot: CopBot, session: AsyncSession, item: outbound.Rendering
) -> port.Message | None:
    """The invitation DM, written when the outbox sends it (nothing if already answered)."""
    raw = item.params.get("invitation_id", 0)
    invitation_id = int(raw) if isinstance(raw, int | str) else 0
    inv = await consults.pending_invitation(session, invitation_id)
    if inv is None or inv.consult_id is None:
        return None
    row = await consults.get_consult(session, inv.consult_id)
    if row.thread_id is None:
        return None
    text = consults.open_text(bot.data_keyring, row)
    themes = await consults.themes_of(session, row.id)
    link = render.thread_link(bot.config.discord.guild_id, row.thread_id)
    return port.Message(
        cards=(
            port.Card(
                title="You're invited to help with a consult",
                description=render.invitation_dm(text.title, themes, link)
                + (f"\n{render.LATE_NOTE}" if item.late else ""),
                colour=render.COLOUR.value,
            ),
        ),
        buttons=(port.Button("Open the consult", url=link),),
    )


# --- helpers ------------------------------------------------------------------------------


async def quietly(action: Awaitable[object]) -> None:
    """Send into a consult's post; a refusal from Discord is logged (status only), not raised."""
    try:
        await action
    except discord.HTTPException as exc:
        log.warning("consults: a post in a consult failed (%s)", exc.status)


async def dm(
    bot: CopBot, user_id: int, content: str, buttons: tuple[port.Button, ...] = ()
) -> bool:
    """DM a member through the port; whether it was delivered."""
    try:
        await bot.port.dm(user_id, port.Message(content=content, buttons=buttons))
    except port.PortError as exc:
        log.info("consults: a DM could not be delivered (%s)", type(exc).__name__)
        return False
    return True
