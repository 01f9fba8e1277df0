"""Builders for tests: rows straight into the database, for arranging a test's world.

One place builds ``Member`` rows for every capability's tests (``add_member``), one
upserts the emulator's sample people as active members (``upsert_active_member``), one
writes a learning (``add_learning``), and one writes a minimal config file for tests that
run the CLI (``write_config``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.db import Database
from bot.models import Member, MemberStatus, SharingLevel
from bot.services import rotation
from bot.services.learnings import store
from bot.services.learnings import text as ltext

JOINED = datetime(2025, 1, 6, tzinfo=UTC)
"""When members join unless a test says otherwise."""

LEARNED_AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
"""When learnings are written unless a test says otherwise (noon on 10 March in Brisbane)."""

_user_ids = count(810_000_000_000_000_001)


def next_user_id() -> int:
    """A Discord-sized user id no other builder call has handed out."""
    return next(_user_ids)


async def add_member(
    session: AsyncSession,
    name: str,
    joined_at: datetime | None = JOINED,
    *,
    user_id: int | None = None,
    status: MemberStatus = MemberStatus.ACTIVE,
    interests: Sequence[str] = (),
    organisation: str | None = None,
    job_role: str | None = None,
    locality: str | None = None,
    locality_note: str | None = None,
    in_guild: bool = True,
    first_seen_at: datetime | None = None,
) -> Member:
    """A member (active by default) who joined at ``joined_at`` (None: no join date; then
    give ``first_seen_at``), flushed so it has an id. Profile fields are left empty unless
    given."""
    profile = {
        key: value
        for key, value in (
            ("organisation", organisation),
            ("job_role", job_role),
            ("locality", locality),
            ("locality_note", locality_note),
        )
        if value is not None
    }
    member = Member(
        user_id=user_id or next_user_id(),
        display_name=name,
        status=status,
        first_seen_at=first_seen_at or joined_at,
        joined_at=joined_at,
        interests=list(interests),
        in_guild=in_guild,
        **profile,
    )
    session.add(member)
    await session.flush()
    return member


async def upsert_active_member(
    session: AsyncSession,
    user_id: int,
    display_name: str,
    username: str,
    *,
    joined_at: datetime = JOINED,
    interests: Sequence[str] = ("collaboration",),
) -> Member:
    """Make the person with ``user_id`` an active member with a sample profile, updating
    the row the bot may already have made for them (its sweep records people it sees)."""
    member = await session.scalar(select(Member).where(Member.user_id == user_id))
    if member is None:
        member = Member(user_id=user_id)
        session.add(member)
    member.display_name = display_name
    member.organisation = f"{username.title()} Partnerships"
    member.job_role = "Partnership broker"
    member.locality = "Rockhampton"
    member.locality_note = ""
    member.interests = list(interests)
    member.status = MemberStatus.ACTIVE
    member.first_seen_at = joined_at
    member.joined_at = joined_at
    member.in_guild = True
    return member


def write_config(
    path: Path,
    database: Path,
    *,
    backup_dir: Path | None = None,
    discord: str = "",
    extra: str = "",
) -> Path:
    """A minimal valid config file at ``path`` with its SQLite database at ``database``;
    ``discord`` adds lines to [discord], ``extra`` appends whole tables."""
    backups = f'backup_dir = "{backup_dir}"\n' if backup_dir is not None else ""
    path.write_text(
        f"[discord]\nguild_id = 1\n{discord}\n"
        f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n{backups}'
        "[roles]\ncoordinator = 1\nmember = 2\n"
        "[channels]\nwelcome = 3\nroster = 4\ncoordinators = 5\nannouncements = 6\n" + extra
    )
    return path


async def away_in_april(
    db: Database, keyring: Keyring, name: str, reason: str, now: datetime
) -> Member:
    """A new member away 1-10 April 2026 with ``reason`` (sealed with ``keyring``)."""
    async with db.transaction() as session:
        member = await add_member(session, name)
        await rotation.mark_unavailable(
            session,
            member,
            date(2026, 4, 1),
            date(2026, 4, 10),
            reason,
            now,
            rotation.RotationRules(),
            keyring=keyring,
        )
        return member


async def add_learning(
    db: Database,
    keyring: Keyring,
    author: Member,
    level: SharingLevel,
    *,
    title: str = "A title",
    happened: str = "",
    learned: str = "Something learned",
    tags: str = "",
    when: datetime = LEARNED_AT,
) -> int:
    """A learning by ``author`` shared at ``level``, written through the service (so its
    text is validated and sealed as a member's would be); returns its id."""
    text = ltext.validate(ltext.Draft(title, happened, learned, "", tags))
    async with db.transaction() as session:
        row = await store.add_learning(session, keyring, author, text, when, sharing=level)
        return row.id
