"""Learnings: capture, a member's own learnings, browsing the group's, and the themes.

Everything a member types is encrypted (``text.seal``) before it reaches the session,
and decrypted only for someone allowed to read it:

- ``private``: its author, only;
- ``group`` and above: members, in the bot (``browse``), and the forum if its author
  publishes it (``knowledge``);
- ``digest-*``: also coordinators' digest exports (``stream``).

No function here logs or puts what a member typed into an exception message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.db import fits_integer
from bot.errors import Conflict, NotAllowed, NotFound
from bot.models import Learning, Meeting, MeetingStatus, Member, MemberStatus, SharingLevel
from bot.services.learnings import knowledge
from bot.services.learnings.text import (
    SHARED_LEVELS,
    LearningText,
    content_aad,
    open_content,
    open_tags,
    open_text,
    seal,
)
from bot.services.members import add_member, member_by_user
from bot.tags import normalise_tag

# --- members ------------------------------------------------------------------------------


async def record_for_role_holder(
    session: AsyncSession, user_id: int, display_name: str, now: datetime, *, active: bool
) -> Member:
    """The person's member row, created for someone who holds the member role but has no
    record yet (a community set up before the bot). An erased row is never revived."""
    member = await member_by_user(session, user_id)
    if member is None:
        member = await add_member(
            session,
            user_id,
            display_name,
            now,
            status=MemberStatus.ACTIVE if active else MemberStatus.APPLICANT,
            joined_at=now if active else None,
        )
    return member


def author_name(member: Member) -> str:
    return member.display_name or "a member"


# --- meetings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingChoice:
    id: int
    starts_at: datetime
    title: str


async def recent_meetings(
    session: AsyncSession, now: datetime, *, days: int = 120, limit: int = 10
) -> list[MeetingChoice]:
    """Meetings that have started (or start within a day), newest first: the ones a
    learning could come from."""
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.superseded.is_(False),
            Meeting.starts_at <= now + timedelta(days=1),
            Meeting.starts_at >= now - timedelta(days=days),
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(limit)
    )
    return [MeetingChoice(m.id, m.starts_at, m.title) for m in rows]


async def _meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(
            f"There's no meeting `{meeting_id}`. Pick one from the list, or leave the "
            "learning unlinked."
        )
    return meeting


# --- capture and changes ------------------------------------------------------------------


async def add_learning(
    session: AsyncSession,
    keyring: Keyring,
    author: Member,
    text: LearningText,
    now: datetime,
    *,
    meeting_id: int | None = None,
    sharing: SharingLevel = SharingLevel.PRIVATE,
    consult_id: int | None = None,
) -> Learning:
    """A new learning. ``consult_id`` links it to the consult it came from, inside its
    sealed text (an anonymous asker is never exposed by a plain column)."""
    if author.status is MemberStatus.ERASED:
        raise NotAllowed("Your data was erased, so you can't record learnings any more.")
    # A stale meeting (deleted since the prompt) never costs the member their text.
    meeting = await session.get(Meeting, meeting_id) if meeting_id is not None else None
    row = Learning(
        author_id=author.id,
        sharing=sharing,
        meeting_id=meeting.id if meeting else None,
        meeting_starts_at=meeting.starts_at if meeting else None,
        created_at=now,
        updated_at=now,
        sharing_changed_at=now,
    )
    if consult_id is not None:
        text = replace(text, consult_id=consult_id)
    seal(keyring, row, text)
    session.add(row)
    await session.flush()
    return row


def _not_found(learning_id: int) -> NotFound:
    return NotFound(
        f"There's no learning `#{learning_id}` of yours. Use `/learning mine` to see your "
        "learnings and their numbers."
    )


async def own_learning(session: AsyncSession, learning_id: int, author: Member) -> Learning:
    """One of the author's learnings; someone else's is refused."""
    if not fits_integer(learning_id):
        raise _not_found(learning_id)
    row = await session.get(Learning, learning_id, populate_existing=True)
    if row is None:
        raise _not_found(learning_id)
    if row.author_id != author.id:
        raise NotAllowed(
            f"Learning `#{learning_id}` isn't yours, so you can't change it. You can edit, "
            "share or delete only your own learnings (`/learning mine`)."
        )
    return row


async def edit_learning(
    session: AsyncSession,
    keyring: Keyring,
    learning_id: int,
    author: Member,
    text: LearningText,
    now: datetime,
) -> Learning:
    row = await own_learning(session, learning_id, author)
    # The form never carries the consult link; the edit keeps the one it had.
    try:
        consult_id = open_content(keyring, row.author_id, row.sharing, row.content).consult_id
    except DecryptionError:
        consult_id = None
    seal(keyring, row, replace(text, consult_id=consult_id))
    row.updated_at = now
    await session.flush()
    return row


async def delete_learning(session: AsyncSession, learning_id: int, author: Member) -> None:
    """Delete the author's learning; its forum post, if any, is withdrawn."""
    await own_learning(session, learning_id, author)
    await knowledge.withdraw(session, [learning_id])
    result = await session.execute(
        delete(Learning).where(Learning.id == learning_id, Learning.author_id == author.id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _not_found(learning_id)


async def set_sharing(
    session: AsyncSession,
    keyring: Keyring,
    learning_id: int,
    author: Member,
    level: SharingLevel,
    now: datetime,
) -> Learning:
    """Change who may see it. The text is re-encrypted, because it is bound to the level.
    A forum post of the learning is withdrawn when the level is lowered or the post would
    change between named and anonymous (``knowledge.keeps_post``)."""
    row = await own_learning(session, learning_id, author)
    if row.sharing is level:
        return row
    if not knowledge.keeps_post(row.sharing, level):
        await knowledge.withdraw(session, [row.id])
    text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
    old = row.sharing
    probe = Learning(author_id=row.author_id, sharing=level)
    seal(keyring, probe, text)
    result = await session.execute(
        update(Learning)
        .where(Learning.id == row.id, Learning.author_id == author.id, Learning.sharing == old)
        .values(
            sharing=level,
            content=probe.content,
            tags=probe.tags,
            key_id=probe.key_id,
            sharing_changed_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"Learning `#{learning_id}` changed while you were choosing; look at it again "
            "with `/learning mine` and choose once more."
        )
    await session.refresh(row)
    return row


async def link_meeting(
    session: AsyncSession, learning_id: int, author: Member, meeting_id: int | None, now: datetime
) -> Learning:
    row = await own_learning(session, learning_id, author)
    meeting = await _meeting(session, meeting_id) if meeting_id is not None else None
    row.meeting_id = meeting.id if meeting else None
    row.meeting_starts_at = meeting.starts_at if meeting else None
    row.updated_at = now
    await session.flush()
    return row


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearningView:
    """A decrypted learning for someone allowed to read it. ``author`` is None when the
    reader may not know who wrote it (anonymous, and not theirs)."""

    id: int
    sharing: SharingLevel
    text: LearningText
    created_at: datetime
    updated_at: datetime
    meeting_id: int | None
    meeting_starts_at: datetime | None
    author: str | None
    mine: bool
    post_id: int | None = None
    """Its post in the forum (a thread id), when its author published it."""
    consult_id: int | None = None
    """The consult it was recorded from; set for its author only."""


@dataclass(frozen=True)
class Page:
    items: list[LearningView]
    page: int
    pages: int
    total: int
    unreadable: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _view(
    row: Learning, text: LearningText, author: str | None, mine: bool, post_id: int | None = None
) -> LearningView:
    return LearningView(
        id=row.id,
        sharing=row.sharing,
        text=text,
        created_at=row.created_at,
        updated_at=row.updated_at,
        meeting_id=row.meeting_id,
        meeting_starts_at=row.meeting_starts_at,
        author=author,
        mine=mine,
        post_id=post_id,
        consult_id=text.consult_id if mine else None,
    )


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


async def read_own(
    session: AsyncSession, keyring: Keyring, learning_id: int, author: Member
) -> LearningView:
    row = await own_learning(session, learning_id, author)
    text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
    posts = await knowledge.threads_for(session, [row.id])
    return _view(row, text, author_name(author), True, posts.get(row.id))


async def my_learnings(
    session: AsyncSession, keyring: Keyring, author: Member, page: int, page_size: int
) -> Page:
    """The author's learnings, newest first, one page."""
    total = (
        await session.scalar(
            select(func.count()).select_from(Learning).where(Learning.author_id == author.id)
        )
    ) or 0
    pages = _pages(total, page_size)
    page = min(max(page, 1), pages)
    rows = await session.scalars(
        select(Learning)
        .where(Learning.author_id == author.id)
        .order_by(Learning.created_at.desc(), Learning.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    chosen = list(rows)
    posts = await knowledge.threads_for(session, [r.id for r in chosen])
    items = [
        _view(
            r,
            open_text(keyring, r.author_id, r.sharing, r.content, r.tags),
            None,
            True,
            posts.get(r.id),
        )
        for r in chosen
    ]
    return Page(items, page, pages, total)


async def my_learning_titles(
    session: AsyncSession, keyring: Keyring, author: Member, typed: str, limit: int = 25
) -> list[tuple[int, str, SharingLevel]]:
    """For autocomplete: the author's learnings whose number or title matches ``typed``."""
    rows = await session.execute(
        select(Learning.id, Learning.author_id, Learning.sharing, Learning.content)
        .where(Learning.author_id == author.id)
        .order_by(Learning.created_at.desc(), Learning.id.desc())
        .limit(200)
    )
    needle = typed.strip().lstrip("#").casefold()
    found = []
    for ident, author_id, sharing, content in rows:
        try:
            body = keyring.decrypt_json(content, content_aad(author_id, sharing))
        except DecryptionError:
            continue
        title = str(body.get("title", ""))
        if not needle or needle in title.casefold() or needle == str(ident):
            found.append((ident, title, sharing))
        if len(found) >= limit:
            break
    return found


def _names_by_member(members: Iterable[Member]) -> dict[int, str]:
    return {m.id: author_name(m) for m in members}


async def browse(
    session: AsyncSession,
    keyring: Keyring,
    reader: Member | None,
    tag: str | None,
    page: int,
    page_size: int,
) -> Page:
    """Learnings shared with the group (``group`` and above), newest first, optionally
    with a tag. Anonymous ones come without their author (except to the author)."""
    wanted = normalise_tag(tag) if tag else None
    query = (
        select(Learning.id, Learning.author_id, Learning.sharing, Learning.tags)
        .where(Learning.sharing.in_(SHARED_LEVELS))
        .order_by(Learning.created_at.desc(), Learning.id.desc())
    )
    ids: list[int] = []
    unreadable = 0
    for ident, author_id, sharing, tags in await session.execute(query):
        if wanted is not None:
            try:
                if wanted not in open_tags(keyring, author_id, sharing, tags):
                    continue
            except DecryptionError:
                unreadable += 1
                continue
        ids.append(ident)
    total = len(ids)
    pages = _pages(total, page_size)
    page = min(max(page, 1), pages)
    chosen = ids[(page - 1) * page_size : page * page_size]
    rows = {
        r.id: r
        for r in await session.scalars(
            select(Learning).where(Learning.id.in_(chosen), Learning.sharing.in_(SHARED_LEVELS))
        )
    }
    posts = await knowledge.threads_for(session, list(rows))
    authors = _names_by_member(
        await session.scalars(
            select(Member).where(Member.id.in_({r.author_id for r in rows.values()}))
        )
    )
    items = []
    for ident in chosen:
        row = rows.get(ident)
        if row is None:
            continue
        try:
            text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
        except DecryptionError:
            unreadable += 1
            continue
        mine = reader is not None and row.author_id == reader.id
        show_author = row.sharing is not SharingLevel.DIGEST_ANONYMOUS or mine
        author = authors.get(row.author_id) if show_author else None
        items.append(_view(row, text, author, mine, posts.get(row.id)))
    return Page(items, page, pages, total, unreadable)


async def read_shared(
    session: AsyncSession, keyring: Keyring, reader: Member | None, learning_id: int
) -> LearningView:
    """One learning a member may read: shared with the group, or their own."""
    row = await session.get(Learning, learning_id) if fits_integer(learning_id) else None
    mine = row is not None and reader is not None and row.author_id == reader.id
    if row is None or (row.sharing is SharingLevel.PRIVATE and not mine):
        raise NotFound(
            f"There's no shared learning `#{learning_id}`. Use `/learning browse` to see "
            "what members have shared."
        )
    text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
    author = await session.get(Member, row.author_id)
    show_author = row.sharing is not SharingLevel.DIGEST_ANONYMOUS or mine
    name = author_name(author) if (author is not None and show_author) else None
    posts = await knowledge.threads_for(session, [row.id])
    return _view(row, text, name, mine, posts.get(row.id))


async def shareable_themes(
    session: AsyncSession, cipher: Keyring, since: datetime, until: datetime
) -> list[tuple[str, int]]:
    """Themes (tags) of learnings recorded in ``[since, until)`` that members may read
    (``group`` and above; never ``private``), with how many learnings carry each, most
    common first. For the facilitator's hand-over pack."""
    rows = await session.execute(
        select(Learning.author_id, Learning.sharing, Learning.tags).where(
            Learning.sharing.in_(SHARED_LEVELS),
            Learning.created_at >= since,
            Learning.created_at < until,
        )
    )
    counts: Counter[str] = Counter()
    for author_id, sharing, tags in rows:
        try:
            counts.update(open_tags(cipher, author_id, sharing, tags))
        except DecryptionError:
            continue
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def describe_levels(levels: Sequence[SharingLevel]) -> str:
    return ", ".join(f"`{level.value}`" for level in levels)
