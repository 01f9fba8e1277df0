"""Learnings: capture, a member's own learnings, browsing the group's, and the themes.

Everything a member types is encrypted with the bot's keyring (``bot.crypto``) before it
reaches the session, and decrypted only for someone allowed to read it:

- ``private``: its author, only;
- ``group`` and above: members, in the bot (``browse``);
- ``digest-*``: also coordinators' digest exports (``bot.services.learnings.digest``).

No function here logs or puts what a member typed into an exception message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.db import fits_integer
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import Learning, Meeting, MeetingStatus, Member, MemberStatus, SharingLevel
from bot.services.members import add_member, member_by_user

SHARED_LEVELS = (SharingLevel.GROUP, SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED)
"""Levels members may read in the bot."""
DIGEST_LEVELS = (SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED)
"""Levels that may appear in an exported digest."""

LEVEL_MEANINGS: dict[SharingLevel, str] = {
    SharingLevel.PRIVATE: "only you can see it",
    SharingLevel.GROUP: "members can read it in the bot; it is never exported",
    SharingLevel.DIGEST_ANONYMOUS: (
        "it may appear in an exported digest with no name and no organisation"
    ),
    SharingLevel.DIGEST_NAMED: "it may appear in an exported digest with your name",
}

MAX_TAGS = 10
MAX_TAG_LENGTH = 40
_TAG_SPLIT = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    max_length: int
    required: bool
    paragraph: bool
    placeholder: str


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "Title", 100, True, False, "A few words, like: Co-design with a council"),
    FieldSpec(
        "happened", "What happened", 1000, False, True, "The situation, without naming anyone."
    ),
    FieldSpec("learned", "What I learned", 1000, True, True, "The insight you'd pass on."),
    FieldSpec("next_time", "What I would do next time", 1000, False, True, "Optional."),
    FieldSpec("tags", "Themes or tags", 200, False, False, "Comma-separated, like: trust, funding"),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
TEXT_KEYS = ("title", "happened", "learned", "next_time")


def content_aad(author_id: int, sharing: SharingLevel | str) -> bytes:
    """Binds a learning's text to its author and sharing level."""
    return f"cop-bot/learning/content|{author_id}|{SharingLevel(sharing).value}".encode()


def tags_aad(author_id: int, sharing: SharingLevel | str) -> bytes:
    return f"cop-bot/learning/tags|{author_id}|{SharingLevel(sharing).value}".encode()


# --- what the member typed ----------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """The form's raw text, kept whole (in memory only) until it is valid."""

    title: str = ""
    happened: str = ""
    learned: str = ""
    next_time: str = ""
    tags: str = ""

    def get(self, key: str) -> str:
        value: str = getattr(self, key)
        return value


@dataclass(frozen=True)
class LearningText:
    title: str
    happened: str
    learned: str
    next_time: str
    tags: tuple[str, ...]

    @property
    def theme(self) -> str | None:
        return self.tags[0] if self.tags else None

    def as_draft(self) -> Draft:
        return Draft(self.title, self.happened, self.learned, self.next_time, ", ".join(self.tags))

    def text_fields(self) -> tuple[str, ...]:
        return (self.title, self.happened, self.learned, self.next_time, *self.tags)


class DraftProblem(InvalidInput):
    """The form has problems; ``draft`` keeps everything typed so nothing is lost."""

    def __init__(self, draft: Draft, problems: list[str], fields: set[str]) -> None:
        lead = (
            "Your learning isn't saved yet: "
            if len(problems) == 1
            else ("Your learning isn't saved yet:\n• ")
        )
        super().__init__(lead + "\n• ".join(problems) + "\nPress **Fix it**: your text is kept.")
        self.draft = draft
        self.problems = problems
        self.fields = fields


def normalise_tag(tag: str) -> str:
    return " ".join(tag.split()).strip("#").strip().casefold()


def split_tags(text: str) -> list[str]:
    tags: list[str] = []
    for part in _TAG_SPLIT.split(text):
        tag = normalise_tag(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def validate(draft: Draft) -> LearningText:
    """The learning's text, or ``DraftProblem`` naming each problem and keeping the draft."""
    problems: list[str] = []
    bad: set[str] = set()
    for spec in FIELDS:
        value = draft.get(spec.key).strip()
        if spec.required and not value:
            problems.append(f"**{spec.label}** is empty; fill it in.")
            bad.add(spec.key)
        elif len(value) > spec.max_length:
            problems.append(
                f"**{spec.label}** is {len(value):,} characters; the limit is "
                f"{spec.max_length:,}, so shorten it by {len(value) - spec.max_length:,}."
            )
            bad.add(spec.key)
    tags = split_tags(draft.tags)
    long_tags = [t for t in tags if len(t) > MAX_TAG_LENGTH]
    if long_tags and "tags" not in bad:
        problems.append(
            f"The tag `{long_tags[0][:MAX_TAG_LENGTH]}…` is longer than {MAX_TAG_LENGTH} "
            "characters; use short tags separated by commas, like `trust, funding`."
        )
        bad.add("tags")
    if len(tags) > MAX_TAGS and "tags" not in bad:
        problems.append(f"You gave {len(tags)} tags; keep it to {MAX_TAGS} or fewer.")
        bad.add("tags")
    if problems:
        raise DraftProblem(draft, problems, bad)
    return LearningText(
        title=" ".join(draft.title.split()),
        happened=draft.happened.strip(),
        learned=draft.learned.strip(),
        next_time=draft.next_time.strip(),
        tags=tuple(tags),
    )


def parse_level(text: str) -> SharingLevel:
    cleaned = text.strip().casefold().replace("_", "-").replace(" ", "-")
    try:
        return SharingLevel(cleaned)
    except ValueError:
        choices = ", ".join(f"`{level.value}`" for level in SharingLevel)
        raise InvalidInput(f"`{text.strip()[:40]}` isn't a sharing level. Use {choices}.") from None


# --- encryption ---------------------------------------------------------------------------


def _seal(keyring: Keyring, row: Learning, text: LearningText) -> None:
    row.content = keyring.encrypt_json(
        {
            "title": text.title,
            "happened": text.happened,
            "learned": text.learned,
            "next_time": text.next_time,
            "tags": list(text.tags),
        },
        content_aad(row.author_id, row.sharing),
    )
    row.tags = keyring.encrypt_json(list(text.tags), tags_aad(row.author_id, row.sharing))
    row.key_id = keyring.primary_id


def open_text(
    keyring: Keyring, author_id: int, sharing: SharingLevel | str, content: bytes, tags: bytes
) -> LearningText:
    """Decrypt a learning's text. Raises ``DecryptionError`` (which names no text)."""
    body: dict[str, Any] = keyring.decrypt_json(content, content_aad(author_id, sharing))
    tag_list: list[str] = keyring.decrypt_json(tags, tags_aad(author_id, sharing))
    return LearningText(
        title=str(body.get("title", "")),
        happened=str(body.get("happened", "")),
        learned=str(body.get("learned", "")),
        next_time=str(body.get("next_time", "")),
        tags=tuple(str(t) for t in tag_list),
    )


def open_content(
    keyring: Keyring, author_id: int, sharing: SharingLevel | str, content: bytes
) -> LearningText:
    """Decrypt a learning's text, tags included, from its content token alone."""
    body: dict[str, Any] = keyring.decrypt_json(content, content_aad(author_id, sharing))
    return LearningText(
        title=str(body.get("title", "")),
        happened=str(body.get("happened", "")),
        learned=str(body.get("learned", "")),
        next_time=str(body.get("next_time", "")),
        tags=tuple(str(t) for t in body.get("tags", ())),
    )


def open_tags(
    keyring: Keyring, author_id: int, sharing: SharingLevel | str, tags: bytes
) -> tuple[str, ...]:
    return tuple(str(t) for t in keyring.decrypt_json(tags, tags_aad(author_id, sharing)))


# --- members ------------------------------------------------------------------------------


async def ensure_member(
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
) -> Learning:
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
    _seal(keyring, row, text)
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
    _seal(keyring, row, text)
    row.updated_at = now
    await session.flush()
    return row


async def delete_learning(session: AsyncSession, learning_id: int, author: Member) -> None:
    await own_learning(session, learning_id, author)
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
    """Change who may see it. The text is re-encrypted, because it is bound to the level."""
    row = await own_learning(session, learning_id, author)
    if row.sharing is level:
        return row
    text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
    old = row.sharing
    probe = Learning(author_id=row.author_id, sharing=level)
    _seal(keyring, probe, text)
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


@dataclass(frozen=True)
class Page:
    items: list[LearningView]
    page: int
    pages: int
    total: int
    unreadable: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _view(row: Learning, text: LearningText, author: str | None, mine: bool) -> LearningView:
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
    )


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


async def read_own(
    session: AsyncSession, keyring: Keyring, learning_id: int, author: Member
) -> LearningView:
    row = await own_learning(session, learning_id, author)
    text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
    return _view(row, text, author_name(author), True)


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
    items = [
        _view(r, open_text(keyring, r.author_id, r.sharing, r.content, r.tags), None, True)
        for r in rows
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
        items.append(_view(row, text, authors.get(row.author_id) if show_author else None, mine))
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
    return _view(row, text, name, mine)


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


# --- personal data ------------------------------------------------------------------------


async def personal_data(session: AsyncSession, keyring: Keyring, member: Member) -> dict[str, Any]:
    """Every learning the member wrote, decrypted, for ``/mydata export``."""
    rows = await session.scalars(
        select(Learning).where(Learning.author_id == member.id).order_by(Learning.id)
    )
    out: list[dict[str, Any]] = []
    for row in rows:
        try:
            text = open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
            body: dict[str, Any] = {
                "title": text.title,
                "what_happened": text.happened,
                "what_i_learned": text.learned,
                "what_i_would_do_next_time": text.next_time,
                "tags": list(text.tags),
            }
        except DecryptionError:
            body = {"error": "this learning could not be decrypted with the bot's key"}
        out.append(
            {
                "id": row.id,
                "sharing": row.sharing.value,
                "created_at": row.created_at.isoformat(),
                "updated_at": row.updated_at.isoformat(),
                "sharing_chosen_at": row.sharing_changed_at.isoformat(),
                "meeting_id": row.meeting_id,
                "meeting_starts_at": (
                    row.meeting_starts_at.isoformat() if row.meeting_starts_at else None
                ),
                **body,
            }
        )
    return {"learnings": out}


async def erase_personal_data(session: AsyncSession, member: Member, now: datetime) -> int:
    """Delete every learning the member wrote. Returns how many."""
    result = await session.execute(delete(Learning).where(Learning.author_id == member.id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def count_by_level(session: AsyncSession, member: Member) -> dict[SharingLevel, int]:
    rows = await session.execute(
        select(Learning.sharing, func.count())
        .where(Learning.author_id == member.id)
        .group_by(Learning.sharing)
    )
    return {row[0]: int(row[1]) for row in rows}


def describe_levels(levels: Sequence[SharingLevel]) -> str:
    return ", ".join(f"`{level.value}`" for level in levels)
