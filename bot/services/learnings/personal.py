"""The learnings' part of /mydata: every learning the person wrote (decrypted), the
digest exports they made, and erasing their learnings (their knowledge-base posts are
cleaned up on Discord afterwards)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from bot.crypto import DecryptionError
from bot.models import Learning, SharingLevel
from bot.services.learnings.knowledge import erase_posts_of, posts_of
from bot.services.learnings.record import exports_by
from bot.services.learnings.text import open_text
from bot.services.mydata import Contributor, Erased, Person


async def export(person: Person) -> dict[str, Any]:
    session, member, keyring = person.session, person.member, person.keyring
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
                "from_consult": text.consult_id,
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
    return {
        "entries": out,
        "knowledge_base_posts": await posts_of(session, member),
        "digest_exports_you_made": await exports_by(session, member),
    }


async def erase(person: Person) -> Erased:
    """Delete every learning the person wrote, and their knowledge-base post records."""
    session, member = person.session, person.member
    posts = await erase_posts_of(session, member)
    result = await session.execute(delete(Learning).where(Learning.author_id == member.id))
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return Erased(counts={"learnings": count}, posts=posts)


async def count_by_level(person: Person) -> dict[SharingLevel, int]:
    rows = await person.session.execute(
        select(Learning.sharing, func.count())
        .where(Learning.author_id == person.member.id)
        .group_by(Learning.sharing)
    )
    return {row[0]: int(row[1]) for row in rows}


async def preview(person: Person) -> list[str]:
    counts = await count_by_level(person)
    total = sum(counts.values())
    if not total:
        return []
    shared = sum(n for level, n in counts.items() if level is not SharingLevel.PRIVATE)
    return [
        f"your {total} {'learning' if total == 1 else 'learnings'} ({shared} shared) are "
        "deleted, with any of them published in the forum"
    ]


CONTRIBUTOR = Contributor("learnings", export=export, erase=erase, preview=preview)
