"""The knowledge base: learnings their authors chose to publish as posts in the forum
channel, one post per learning, under its theme's tag.

- Only the author publishes, with a button on the learning; never automatically.
- Only learnings shared with members (``group`` or above) can be published.
- A ``digest-anonymous`` learning is posted with no name (the bot writes every post).
- A learning whose text names a member, an organisation or a Discord user (the digest's
  review flag; a named post may name its own author) is published only once its author
  has confirmed.
- Editing the learning updates its post. Deleting it, lowering its sharing level (or
  changing whether it is anonymous) and ``/mydata delete`` withdraw the post: its row
  loses the learning and the cog side removes it from Discord, retrying after a restart.

These functions decide and record; the cog side makes the Discord calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.errors import Conflict, NotAllowed
from bot.models import KnowledgePost, Learning, Member, SharingLevel
from bot.services.learnings.flags import member_matcher
from bot.services.learnings.text import SHARED_LEVELS, LearningText, open_text
from bot.services.mydata import PostCleanup

STALE_CLAIM = timedelta(minutes=10)
"""A publication claimed this long ago with no post made was interrupted; it may be
claimed again."""

RANK: dict[SharingLevel, int] = {
    SharingLevel.PRIVATE: 0,
    SharingLevel.GROUP: 1,
    SharingLevel.DIGEST_ANONYMOUS: 2,
    SharingLevel.DIGEST_NAMED: 3,
}


@dataclass(frozen=True)
class PostContent:
    """What a knowledge-base post shows: the learning's text, and its author's name
    unless it is anonymous."""

    learning_id: int
    text: LearningText
    author: str | None
    """None: posted with no name."""
    flags: tuple[str, ...]
    """Names, organisations and mentions the text contains (the author must confirm)."""
    thread_id: int | None
    """The post already made for it, if any."""

    @property
    def anonymous(self) -> bool:
        return self.author is None

    @property
    def theme(self) -> str | None:
        return self.text.theme


def _not_yours(learning_id: int) -> NotAllowed:
    return NotAllowed(
        f"Learning `#{learning_id}` isn't yours, so you can't publish it. You can publish "
        "only your own learnings (`/learning mine`)."
    )


async def post_content(
    session: AsyncSession, keyring: Keyring, learning_id: int, author: Member
) -> PostContent:
    """What publishing (or updating) the author's learning would post. Refuses a
    learning that is not theirs or not shared with members."""
    row = await session.get(Learning, learning_id, populate_existing=True)
    if row is None or row.author_id != author.id:
        raise _not_yours(learning_id)
    if row.sharing not in SHARED_LEVELS:
        raise NotAllowed(
            f"Learning `#{learning_id}` is private. Share it with members first (`group` or "
            "above, with `/learning share`), then publish it."
        )
    text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
    anonymous = row.sharing is SharingLevel.DIGEST_ANONYMOUS
    matcher = await member_matcher(session)
    flags = matcher.find(text.text_fields(), exclude=None if anonymous else author.id)
    existing = await session.scalar(
        select(KnowledgePost.thread_id).where(KnowledgePost.learning_id == learning_id)
    )
    return PostContent(
        learning_id=row.id,
        text=text,
        author=None if anonymous else (author.display_name or "a member"),
        flags=tuple(flags),
        thread_id=existing,
    )


async def claim(
    session: AsyncSession, learning_id: int, channel_id: int, anonymous: bool, now: datetime
) -> KnowledgePost:
    """Record that the learning is being published (before the Discord call, so two
    presses make one post). Refuses one already published."""
    existing = await session.scalar(
        select(KnowledgePost).where(KnowledgePost.learning_id == learning_id)
    )
    if (
        existing is not None
        and existing.thread_id is None
        and existing.published_at < now - STALE_CLAIM
    ):
        await session.delete(existing)  # the bot stopped between the claim and the post
        await session.flush()
        existing = None
    if existing is not None:
        raise Conflict(
            f"Learning `#{learning_id}` is already published"
            + (f" in <#{existing.thread_id}>" if existing.thread_id else "")
            + ". Edit the learning to update its post."
        )
    post = KnowledgePost(
        learning_id=learning_id,
        channel_id=channel_id,
        anonymous=anonymous,
        published_at=now,
        updated_at=now,
    )
    session.add(post)
    await session.flush()
    return post


async def posted(session: AsyncSession, post_id: int, thread_id: int, now: datetime) -> None:
    """Record the forum post Discord made for a claimed publication."""
    await session.execute(
        update(KnowledgePost)
        .where(KnowledgePost.id == post_id)
        .values(thread_id=thread_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def unclaim(session: AsyncSession, post_id: int) -> None:
    """Forget a publication whose post could not be made."""
    await session.execute(
        delete(KnowledgePost)
        .where(KnowledgePost.id == post_id, KnowledgePost.thread_id.is_(None))
        .execution_options(synchronize_session=False)
    )


async def touched(session: AsyncSession, learning_id: int, now: datetime) -> int | None:
    """The post to update after the learning was edited (its thread), if it has one."""
    post = await session.scalar(
        select(KnowledgePost).where(
            KnowledgePost.learning_id == learning_id, KnowledgePost.thread_id.is_not(None)
        )
    )
    if post is None:
        return None
    post.updated_at = now
    return post.thread_id


def keeps_post(old: SharingLevel, new: SharingLevel) -> bool:
    """Whether a published learning keeps its post when its level changes: never when
    the level is lowered or the post would change between named and anonymous."""
    if RANK[new] < RANK[old] or new not in SHARED_LEVELS:
        return False
    return (old is SharingLevel.DIGEST_ANONYMOUS) == (new is SharingLevel.DIGEST_ANONYMOUS)


async def withdraw(session: AsyncSession, learning_ids: list[int]) -> list[PostCleanup]:
    """Detach the posts of these learnings; they are to be removed from Discord."""
    if not learning_ids:
        return []
    threads = list(
        await session.scalars(
            select(KnowledgePost.thread_id).where(KnowledgePost.learning_id.in_(learning_ids))
        )
    )
    await session.execute(
        update(KnowledgePost)
        .where(KnowledgePost.learning_id.in_(learning_ids))
        .values(learning_id=None)
        .execution_options(synchronize_session=False)
    )
    return [PostCleanup(thread, None) for thread in threads if thread is not None]


async def withdrawn(session: AsyncSession) -> list[int]:
    """Threads still to remove from Discord (after a restart, say)."""
    rows = await session.scalars(
        select(KnowledgePost.thread_id).where(
            KnowledgePost.learning_id.is_(None), KnowledgePost.thread_id.is_not(None)
        )
    )
    return [int(t) for t in rows if t is not None]


async def removed(session: AsyncSession, thread_id: int) -> None:
    """The post is gone from Discord: forget it (also when it was deleted by hand)."""
    await session.execute(
        delete(KnowledgePost)
        .where(KnowledgePost.thread_id == thread_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(KnowledgePost)
        .where(KnowledgePost.learning_id.is_(None), KnowledgePost.thread_id.is_(None))
        .execution_options(synchronize_session=False)
    )


async def threads_for(session: AsyncSession, learning_ids: list[int]) -> dict[int, int]:
    """Learning id -> its forum post (thread id), for the published ones among them."""
    if not learning_ids:
        return {}
    rows = await session.execute(
        select(KnowledgePost.learning_id, KnowledgePost.thread_id).where(
            KnowledgePost.learning_id.in_(learning_ids), KnowledgePost.thread_id.is_not(None)
        )
    )
    return {int(lid): int(tid) for lid, tid in rows if lid is not None and tid is not None}


async def posts_of(session: AsyncSession, member: Member) -> list[dict[str, Any]]:
    """The member's published learnings, for their ``/mydata export``."""
    rows = await session.execute(
        select(KnowledgePost)
        .join(Learning, Learning.id == KnowledgePost.learning_id)
        .where(Learning.author_id == member.id)
        .order_by(KnowledgePost.id)
    )
    return [
        {
            "learning_id": post.learning_id,
            "forum_post_id": post.thread_id,
            "anonymous": post.anonymous,
            "published_at": post.published_at.isoformat(),
        }
        for (post,) in rows
    ]


async def erase_posts_of(session: AsyncSession, member: Member) -> list[PostCleanup]:
    """Withdraw every post of the member's learnings (``/mydata delete``)."""
    ids = list(await session.scalars(select(Learning.id).where(Learning.author_id == member.id)))
    return await withdraw(session, ids)
