"""Consults: bringing a challenge to the community, reading them, and their lifecycle.

A consult is created before its forum post exists (so nothing is lost if Discord says
no); the cog then records the post with :func:`record_thread`. A consult whose post is
deleted by hand is recorded as closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.db import fits_integer
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import (
    Consult,
    ConsultInvitation,
    ConsultInvitationStatus,
    ConsultPost,
    ConsultPostKind,
    ConsultStatus,
    ConsultTheme,
    Member,
    MemberStatus,
)
from bot.services.consults.text import ConsultText, asker_of, open_text, seal

ANONYMOUS_NAME = "the asker"
"""How an anonymous asker is named everywhere: posts, lists, replies."""


def _not_found(consult_id: int) -> NotFound:
    return NotFound(
        f"There's no consult `#{consult_id}`. Use `/consult list` to see the open ones."
    )


async def get_consult(session: AsyncSession, consult_id: int) -> Consult:
    row = (
        await session.get(Consult, consult_id, populate_existing=True)
        if fits_integer(consult_id)
        else None
    )
    if row is None:
        raise _not_found(consult_id)
    return row


async def consult_by_thread(session: AsyncSession, thread_id: int) -> Consult | None:
    return await session.scalar(select(Consult).where(Consult.thread_id == thread_id))


async def themes_of(session: AsyncSession, consult_id: int) -> tuple[str, ...]:
    rows = await session.scalars(
        select(ConsultTheme.theme)
        .where(ConsultTheme.consult_id == consult_id)
        .order_by(ConsultTheme.theme)
    )
    return tuple(rows)


async def create_consult(
    session: AsyncSession,
    keyring: Keyring,
    asker: Member,
    text: ConsultText,
    themes: Sequence[str],
    now: datetime,
    *,
    anonymous: bool,
) -> Consult:
    """A new open consult (no post yet). Only members may ask."""
    if asker.status is not MemberStatus.ACTIVE:
        raise NotAllowed(
            "Only members of the community can bring a consult. If you're new, start with `/join`."
        )
    if not themes:
        raise InvalidInput("Choose at least one theme, so the right people can be invited.")
    row = Consult(
        anonymous=anonymous,
        asker_id=None if anonymous else asker.id,
        content=b"",
        key_id=keyring.primary_id,
        status=ConsultStatus.OPEN,
        created_at=now,
    )
    session.add(row)
    await session.flush()  # the id binds the encryption
    seal(keyring, row, text, asker.id)
    for theme in dict.fromkeys(themes):
        session.add(ConsultTheme(consult_id=row.id, theme=theme))
    await session.flush()
    return row


def is_asker(keyring: Keyring, row: Consult, member: Member | None) -> bool:
    if member is None:
        return False
    try:
        return asker_of(keyring, row) == member.id
    except DecryptionError:
        return False


async def asker_member(session: AsyncSession, keyring: Keyring, row: Consult) -> Member | None:
    """The asker's record (for a DM); for an anonymous consult, never show or log it."""
    try:
        member_id = asker_of(keyring, row)
    except DecryptionError:
        return None
    return await session.get(Member, member_id)


async def record_thread(
    session: AsyncSession,
    row: Consult,
    forum_id: int,
    thread_id: int,
    message_id: int,
    now: datetime,
) -> None:
    """The forum post that carries the consult (its first message is ``message_id``)."""
    row.forum_id = forum_id
    row.thread_id = thread_id
    await record_post(session, row.id, ConsultPostKind.POST, thread_id, message_id, now)


async def record_post(
    session: AsyncSession,
    consult_id: int,
    kind: ConsultPostKind,
    channel_id: int,
    message_id: int,
    now: datetime,
    *,
    author: Member | None = None,
    invitation_id: int | None = None,
) -> ConsultPost:
    post = ConsultPost(
        consult_id=consult_id,
        kind=kind,
        channel_id=channel_id,
        message_id=message_id,
        author_id=author.id if author is not None else None,
        invitation_id=invitation_id,
        posted_at=now,
    )
    session.add(post)
    await session.flush()
    return post


async def unposted(session: AsyncSession) -> list[Consult]:
    """Open consults whose forum post was never made (Discord refused, or the bot
    stopped in between): posted when the bot next can."""
    rows = await session.scalars(
        select(Consult)
        .where(Consult.status == ConsultStatus.OPEN, Consult.thread_id.is_(None))
        .order_by(Consult.id)
    )
    return list(rows)


async def _lapse_pending(session: AsyncSession, consult_id: int, now: datetime) -> None:
    await session.execute(
        update(ConsultInvitation)
        .where(
            ConsultInvitation.consult_id == consult_id,
            ConsultInvitation.status == ConsultInvitationStatus.INVITED,
        )
        .values(status=ConsultInvitationStatus.LAPSED, answered_at=now)
        .execution_options(synchronize_session=False)
    )


async def resolve(
    session: AsyncSession, keyring: Keyring, consult_id: int, member: Member | None, now: datetime
) -> Consult:
    """The asker marks their consult resolved (decided once, in the database)."""
    row = await get_consult(session, consult_id)
    if not is_asker(keyring, row, member):
        raise NotAllowed("Only the person who asked can mark this consult resolved.")
    if row.status is not ConsultStatus.OPEN:
        raise Conflict(f"Consult `#{consult_id}` is already {row.status.value}.")
    result = await session.execute(
        update(Consult)
        .where(Consult.id == row.id, Consult.status == ConsultStatus.OPEN)
        .values(status=ConsultStatus.RESOLVED, resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"Consult `#{consult_id}` is already resolved.")
    await _lapse_pending(session, row.id, now)
    await session.refresh(row)
    return row


async def helpers_of(session: AsyncSession, consult_id: int) -> list[Member]:
    """Who pressed I'll help, in the order they were invited."""
    rows = await session.scalars(
        select(Member)
        .join(ConsultInvitation, ConsultInvitation.member_id == Member.id)
        .where(
            ConsultInvitation.consult_id == consult_id,
            ConsultInvitation.status == ConsultInvitationStatus.HELPING,
        )
        .order_by(ConsultInvitation.invited_at, ConsultInvitation.id)
    )
    return list(rows)


async def thank(
    session: AsyncSession,
    keyring: Keyring,
    consult_id: int,
    member: Member | None,
    helper_ids: Sequence[int],
) -> int:
    """The asker thanks helpers of a resolved consult. Returns how many were thanked
    (only people who offered help count; thanking twice counts once)."""
    row = await get_consult(session, consult_id)
    if not is_asker(keyring, row, member):
        raise NotAllowed("Only the person who asked can thank the helpers.")
    if row.status is not ConsultStatus.RESOLVED:
        raise Conflict("Mark the consult resolved first, then thank the people who helped.")
    result = await session.execute(
        update(ConsultInvitation)
        .where(
            ConsultInvitation.consult_id == row.id,
            ConsultInvitation.member_id.in_(list(helper_ids)),
            ConsultInvitation.status == ConsultInvitationStatus.HELPING,
            ConsultInvitation.thanked.is_(False),
        )
        .values(thanked=True)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def close_deleted(session: AsyncSession, thread_id: int, now: datetime) -> Consult | None:
    """Its forum post was deleted by hand: the consult is recorded as closed."""
    row = await consult_by_thread(session, thread_id)
    if row is None:
        return None
    if row.status is ConsultStatus.OPEN:
        row.status = ConsultStatus.CLOSED
        row.closed_at = now
        await _lapse_pending(session, row.id, now)
    row.thread_id = None
    await session.flush()
    return row


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultView:
    """A consult as a member may see it. ``asker`` is None for an anonymous consult."""

    id: int
    status: ConsultStatus
    title: str
    text: ConsultText | None
    themes: tuple[str, ...]
    anonymous: bool
    asker: str | None
    thread_id: int | None
    created_at: datetime
    resolved_at: datetime | None
    helpers: int
    mine: bool


def _asker_name(row: Consult, names: dict[int, str]) -> str | None:
    if row.anonymous or row.asker_id is None:
        return None
    return names.get(row.asker_id) or "a member"


async def views_of(
    session: AsyncSession,
    keyring: Keyring,
    rows: Sequence[Consult],
    reader: Member | None,
    *,
    full_text: bool,
) -> list[ConsultView]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    theme_rows = await session.execute(
        select(ConsultTheme.consult_id, ConsultTheme.theme)
        .where(ConsultTheme.consult_id.in_(ids))
        .order_by(ConsultTheme.theme)
    )
    themes: dict[int, list[str]] = {}
    for cid, theme in theme_rows:
        themes.setdefault(cid, []).append(theme)
    helper_rows = await session.execute(
        select(ConsultInvitation.consult_id, func.count())
        .where(
            ConsultInvitation.consult_id.in_(ids),
            ConsultInvitation.status == ConsultInvitationStatus.HELPING,
        )
        .group_by(ConsultInvitation.consult_id)
    )
    helpers = {cid: int(n) for cid, n in helper_rows}
    asker_ids = {r.asker_id for r in rows if r.asker_id is not None}
    names = {
        m.id: m.display_name
        for m in await session.scalars(select(Member).where(Member.id.in_(asker_ids)))
    }
    views = []
    for row in rows:
        try:
            text = open_text(keyring, row)
        except DecryptionError:
            continue
        views.append(
            ConsultView(
                id=row.id,
                status=row.status,
                title=text.title,
                text=text if full_text else None,
                themes=tuple(themes.get(row.id, ())),
                anonymous=row.anonymous,
                asker=_asker_name(row, names),
                thread_id=row.thread_id,
                created_at=row.created_at,
                resolved_at=row.resolved_at,
                helpers=helpers.get(row.id, 0),
                mine=is_asker(keyring, row, reader),
            )
        )
    return views


async def view_consult(
    session: AsyncSession, keyring: Keyring, consult_id: int, reader: Member | None
) -> ConsultView:
    row = await get_consult(session, consult_id)
    views = await views_of(session, keyring, [row], reader, full_text=True)
    if not views:
        raise NotFound(f"Consult `#{consult_id}` can't be read with the bot's data key.")
    return views[0]


LIST_LIMIT = 25


async def list_consults(
    session: AsyncSession,
    keyring: Keyring,
    reader: Member | None,
    *,
    status: ConsultStatus | None = ConsultStatus.OPEN,
    theme: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[ConsultView]:
    """Consults, newest first, by status and theme."""
    query = select(Consult).order_by(Consult.created_at.desc(), Consult.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Consult.status == status)
    if theme:
        query = query.where(
            Consult.id.in_(select(ConsultTheme.consult_id).where(ConsultTheme.theme == theme))
        )
    rows = list(await session.scalars(query))
    return await views_of(session, keyring, rows, reader, full_text=False)


async def _anonymous_ids_of(session: AsyncSession, keyring: Keyring, member: Member) -> list[int]:
    """The member's anonymous consults: found by decrypting each sealed asker, because
    nothing in the clear points at them."""
    found = []
    rows = await session.execute(
        select(Consult.id, Consult.asker).where(Consult.anonymous.is_(True))
    )
    for cid, token in rows:
        if token is None:
            continue
        probe = Consult(id=cid, anonymous=True, asker=token)
        try:
            if asker_of(keyring, probe) == member.id:
                found.append(cid)
        except (DecryptionError, ValueError, KeyError):
            continue
    return found


async def consult_ids_of(session: AsyncSession, keyring: Keyring, member: Member) -> list[int]:
    """Every consult the member asked, named or anonymous, oldest first."""
    named = list(await session.scalars(select(Consult.id).where(Consult.asker_id == member.id)))
    return sorted(named + await _anonymous_ids_of(session, keyring, member))


async def my_consults(session: AsyncSession, keyring: Keyring, member: Member) -> list[ConsultView]:
    ids = await consult_ids_of(session, keyring, member)
    if not ids:
        return []
    rows = list(
        await session.scalars(
            select(Consult)
            .where(Consult.id.in_(ids))
            .order_by(Consult.created_at.desc(), Consult.id.desc())
        )
    )
    return await views_of(session, keyring, rows, member, full_text=False)
