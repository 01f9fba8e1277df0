"""A member's consults in ``/mydata export``, and erasing them in ``/mydata delete``.

An anonymous consult is found by decrypting each sealed asker; the export shows it to
its asker only. Erasure deletes the member's consults (their text and sealed identity)
and the replies they wrote; it returns the bot's messages that carried them, which the
cog replaces with a short erasure note. Invitations stay in the ledger (they name only
the invited member, whose record erasure empties), so the spread of invitations stays fair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.models import (
    Consult,
    ConsultInvitation,
    ConsultMute,
    ConsultPost,
    ConsultPostKind,
    Member,
)
from bot.services.consults.store import consult_ids_of, themes_of
from bot.services.consults.text import open_text
from bot.services.mydata import Contributor, Erased, Person, PostCleanup

ERASURE_NOTE = "This was erased at its author's request (`/mydata delete`)."


async def personal_data(session: AsyncSession, keyring: Keyring, member: Member) -> dict[str, Any]:
    """The member's consults (decrypted), the invitations they received and whether they
    muted consults."""
    asked: list[dict[str, Any]] = []
    for cid in await consult_ids_of(session, keyring, member):
        row = await session.get(Consult, cid)
        if row is None:
            continue
        entry: dict[str, Any] = {
            "id": row.id,
            "anonymous": row.anonymous,
            "status": row.status.value,
            "themes": list(await themes_of(session, row.id)),
            "created_at": row.created_at.isoformat(),
            "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
            "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        }
        try:
            text = open_text(keyring, row)
            entry.update(
                title=text.title,
                what_is_happening=text.happening,
                what_i_have_tried=text.tried,
                what_would_help=text.would_help,
            )
        except DecryptionError:
            entry["error"] = "this consult could not be decrypted with the bot's key"
        asked.append(entry)
    invitations = [
        {
            "consult_id": inv.consult_id,
            "status": inv.status.value,
            "invited_at": inv.invited_at.isoformat(),
            "answered_at": inv.answered_at.isoformat() if inv.answered_at else None,
            "thanked": inv.thanked,
        }
        for inv in await session.scalars(
            select(ConsultInvitation)
            .where(ConsultInvitation.member_id == member.id)
            .order_by(ConsultInvitation.id)
        )
    ]
    replies = len(
        list(
            await session.scalars(
                select(ConsultPost.id).where(
                    ConsultPost.author_id == member.id, ConsultPost.kind == ConsultPostKind.REPLY
                )
            )
        )
    )
    return {
        "consults_asked": asked,
        "consult_invitations": invitations,
        "consult_replies_relayed": replies,
        "consults_muted": await session.get(ConsultMute, member.id) is not None,
    }


@dataclass(frozen=True)
class PostRef:
    channel_id: int
    message_id: int
    kind: ConsultPostKind


@dataclass
class ConsultErasure:
    consults: int = 0
    replies: int = 0
    posts: list[PostRef] = field(default_factory=list)
    """The bot's messages to replace with ``ERASURE_NOTE``."""
    threads: list[int] = field(default_factory=list)
    """Forum posts to rename and close (their name carried the consult's title)."""


async def erase_personal_data(
    session: AsyncSession, keyring: Keyring, member: Member, now: datetime
) -> ConsultErasure:
    """Delete the member's consults and relayed replies; return what to replace."""
    result = ConsultErasure()
    ids = await consult_ids_of(session, keyring, member)
    if ids:
        for post in await session.scalars(
            select(ConsultPost).where(ConsultPost.consult_id.in_(ids)).order_by(ConsultPost.id)
        ):
            result.posts.append(PostRef(post.channel_id, post.message_id, post.kind))
        result.threads = [
            t
            for t in await session.scalars(select(Consult.thread_id).where(Consult.id.in_(ids)))
            if t is not None
        ]
        await session.execute(delete(Consult).where(Consult.id.in_(ids)))
        result.consults = len(ids)
    replies = list(
        await session.scalars(
            select(ConsultPost).where(
                ConsultPost.author_id == member.id, ConsultPost.kind == ConsultPostKind.REPLY
            )
        )
    )
    for post in replies:
        result.posts.append(PostRef(post.channel_id, post.message_id, post.kind))
    if replies:
        await session.execute(
            delete(ConsultPost).where(ConsultPost.id.in_([p.id for p in replies]))
        )
    result.replies = len(replies)
    await session.execute(delete(ConsultMute).where(ConsultMute.member_id == member.id))
    await session.flush()
    return result


# --- /mydata ------------------------------------------------------------------------------


async def _export(person: Person) -> dict[str, Any]:
    return await personal_data(person.session, person.keyring, person.member)


async def _erase(person: Person) -> Erased:
    done = await erase_personal_data(person.session, person.keyring, person.member, person.now)
    return Erased(
        counts={"consults": done.consults, "consult replies": done.replies},
        posts=[PostCleanup(p.channel_id, p.message_id, ERASURE_NOTE) for p in done.posts],
    )


async def _preview(person: Person) -> list[str]:
    asked = len(await consult_ids_of(person.session, person.keyring, person.member))
    if not asked:
        return []
    return [
        f"your {asked} consult{'s are' if asked != 1 else ' is'} erased, and the bot's posts "
        "that carried them are replaced with a short note"
    ]


MYDATA = Contributor("consults", export=_export, erase=_erase, preview=_preview)
"""Consults' part of ``/mydata`` (``bot.services.mydata``)."""
