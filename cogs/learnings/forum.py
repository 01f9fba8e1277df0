"""The knowledge base on Discord: making, updating and removing the forum posts of
published learnings (``bot.services.learnings.knowledge`` decides and records).

The bot writes every post, so an anonymous learning's author never appears; member text
is escaped and every post passes ``NO_PINGS``.
"""

from __future__ import annotations

import logging

import discord

from bot import port
from bot.client import CopBot
from bot.errors import NotAllowed
from bot.services import forum as forum_tags
from bot.services.learnings import knowledge
from bot.services.learnings.knowledge import PostContent
from cogs.learnings.render import post_text, thread_name

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "The knowledge base isn't set up yet: the bot has no forum channel to post in. Ask a "
    "coordinator to set `channels.forum`."
)


async def forum_channel(bot: CopBot) -> discord.ForumChannel:
    """The configured forum, or a sentence saying it is not set up."""
    channel_id = bot.config.channels.forum
    if channel_id is None:
        raise NotAllowed(NOT_SET_UP)
    channel = bot.get_channel(channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(channel_id)
        except discord.HTTPException:
            log.warning("the forum channel %s cannot be reached", channel_id)
            raise NotAllowed(NOT_SET_UP) from None
    if not isinstance(channel, discord.ForumChannel):
        log.warning("channels.forum (%s) is not a forum channel", channel_id)
        raise NotAllowed(NOT_SET_UP)
    return channel


async def theme_tags(forum: discord.ForumChannel, theme: str | None) -> list[discord.ForumTag]:
    """The forum's tag for the learning's theme, made when the forum has none yet (tags
    are only ever added; consults keep the same forum's tags)."""
    if theme is None:
        return []
    existing = [
        forum_tags.Tag(t.name, t.id, t.moderated, t.emoji.id if t.emoji else None)
        for t in forum.available_tags
    ]
    plan = forum_tags.plan_tags(existing, [theme])
    if plan.changed:
        by_id = {t.id: t for t in forum.available_tags}
        try:
            forum = await forum.edit(
                available_tags=[
                    by_id[t.id] if t.id is not None else discord.ForumTag(name=t.name)
                    for t in plan.tags
                ]
            )
        except discord.HTTPException:
            log.warning("could not add a tag to the forum %s", forum.id)
    available = [forum_tags.Tag(t.name, t.id) for t in forum.available_tags]
    wanted = set(forum_tags.tag_ids_for([theme], available))
    return [t for t in forum.available_tags if t.id in wanted]


def post_message(content: PostContent) -> port.Message:
    """The post's text as a port message: the port sets allowed_mentions (no pings)."""
    return port.Message(content=post_text(content))


async def create_post(bot: CopBot, forum: discord.ForumChannel, content: PostContent) -> int:
    """Make the post under its theme's tag (through the port); returns its thread id."""
    tags = await theme_tags(forum, content.theme)
    made = await bot.port.forum_post(
        forum.id, thread_name(content), post_message(content), [t.id for t in tags]
    )
    return made.channel_id


async def update_post(bot: CopBot, thread_id: int, content: PostContent) -> None:
    """Show the learning's current text in its post (the post's first message), its
    title as the post's name and its theme as the post's tag. The post is unarchived in
    the same request (Discord refuses edits in an archived thread)."""
    try:
        forum = await forum_channel(bot)
    except NotAllowed:  # the forum is unset or unreachable now: keep the post's tags
        tag_ids = None
    else:
        tag_ids = [t.id for t in await theme_tags(forum, content.theme)]
    try:
        await bot.port.edit_thread(
            thread_id, name=thread_name(content), tag_ids=tag_ids, archived=False
        )
        await bot.port.edit(thread_id, thread_id, post_message(content))
    except port.Gone:
        async with bot.db.transaction() as session:
            await knowledge.removed(session, thread_id)
    except port.PortError as error:
        log.warning("could not update knowledge-base post %s (%s)", thread_id, error)


async def remove_withdrawn(bot: CopBot) -> int:
    """Remove from Discord the posts whose learnings were deleted, made less shared or
    erased; forget each once it is gone. Returns how many were removed."""
    async with bot.db.transaction() as session:
        threads = await knowledge.withdrawn(session)
    done = 0
    for thread_id in threads:
        try:
            await bot.port.delete_channel(thread_id, reason="A learning was withdrawn")
        except port.Gone:
            pass
        except port.PortError:
            log.warning("could not remove knowledge-base post %s; will retry", thread_id)
            continue
        async with bot.db.transaction() as session:
            await knowledge.removed(session, thread_id)
        done += 1
    return done
