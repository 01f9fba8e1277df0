"""Outcomes of the CoP's work: record, edit, delete, list, and who agreed to be named.

An outcome's text is encrypted at rest, bound to its author. The people involved are named
anywhere (the list, the report) only once they have agreed; the answer is decided in the
database, so a double press or two presses at once give one answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound, quote
from bot.models import ConsentStatus, Member, Outcome, OutcomeKind, OutcomePerson

TITLE_MAX = 100
DESCRIPTION_MAX = 500
LINK_MAX = 300
PEOPLE_MAX = 5
EARLIEST = date(1990, 1, 1)

KIND_LABELS: dict[OutcomeKind, str] = {
    OutcomeKind.GRANT_APPLICATION: "Grant application",
    OutcomeKind.PRESENTATION: "Presentation",
    OutcomeKind.PARTNERSHIP_FORMED: "Partnership formed",
    OutcomeKind.RESOURCE_PUBLISHED: "Resource published",
    OutcomeKind.NEW_MEMBER_ORGANISATION: "New member organisation",
    OutcomeKind.OTHER: "Other",
}

_LINK = re.compile(r"https?://[^\s<>\"`]+", re.IGNORECASE)


def content_aad(author_id: int) -> bytes:
    return f"outcome:{author_id}".encode()


@dataclass(frozen=True)
class OutcomeDraft:
    kind: OutcomeKind
    happened_on: date
    title: str
    description: str = ""
    link: str = ""
    shareable: bool = True


def parse_kind(text: str) -> OutcomeKind:
    cleaned = text.strip().lower().replace(" ", "_").replace("-", "_")
    for kind, label in KIND_LABELS.items():
        if cleaned in (kind.value, label.lower().replace(" ", "_")):
            return kind
    choices = ", ".join(f"`{label}`" for label in KIND_LABELS.values())
    raise InvalidInput(f"{quote(text)} isn't a kind of outcome. Choose one of {choices}.")


def validate(
    *,
    kind: OutcomeKind,
    happened_on: date,
    title: str,
    description: str = "",
    link: str = "",
    shareable: bool = True,
    today: date,
) -> OutcomeDraft:
    """Check an outcome's fields, returning the cleaned draft or raising ``InvalidInput``."""
    title = " ".join(title.replace("\x00", "").split())
    description = description.replace("\x00", "").strip()
    link = link.strip()
    if not title:
        raise InvalidInput("Give the outcome a title, for example `Grant for the youth hub`.")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"Keep the title to {TITLE_MAX} characters (it has {len(title)}).")
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"Keep the description to {DESCRIPTION_MAX} characters (it has {len(description)})."
        )
    if link and (len(link) > LINK_MAX or not _LINK.fullmatch(link)):
        raise InvalidInput(
            f"{quote(link)} isn't a web link. Use one that starts with `https://`, or leave it out."
        )
    if not EARLIEST <= happened_on <= today:
        raise InvalidInput(
            f"`{happened_on.isoformat()}` is outside the range an outcome can have: "
            f"use a date from {EARLIEST.isoformat()} to today."
        )
    return OutcomeDraft(kind, happened_on, title, description, link, shareable)


def _seal(keyring: Keyring, row: Outcome, draft: OutcomeDraft) -> None:
    row.content = keyring.encrypt_json(
        {"title": draft.title, "description": draft.description, "link": draft.link},
        content_aad(row.author_id),
    )
    row.key_id = keyring.primary_id
    row.kind = draft.kind
    row.happened_on = draft.happened_on
    row.shareable = draft.shareable


def open_content(keyring: Keyring, row: Outcome) -> dict[str, str]:
    body: dict[str, Any] = keyring.decrypt_json(row.content, content_aad(row.author_id))
    return {k: str(body.get(k, "")) for k in ("title", "description", "link")}


@dataclass(frozen=True)
class Added:
    outcome: Outcome
    to_ask: list[Member]
    """The people to ask for their consent (the author, if named, agrees by naming)."""


async def add_outcome(
    session: AsyncSession,
    keyring: Keyring,
    author: Member,
    draft: OutcomeDraft,
    people: Sequence[Member],
    now: datetime,
) -> Added:
    unique: dict[int, Member] = {}
    for person in people:
        unique.setdefault(person.id, person)
    if len(unique) > PEOPLE_MAX:
        raise InvalidInput(f"Name at most {PEOPLE_MAX} people in one outcome.")
    row = Outcome(author_id=author.id, created_at=now, updated_at=now)
    _seal(keyring, row, draft)
    session.add(row)
    await session.flush()
    to_ask: list[Member] = []
    for person in unique.values():
        is_author = person.id == author.id
        session.add(
            OutcomePerson(
                outcome_id=row.id,
                member_id=person.id,
                status=ConsentStatus.AGREED if is_author else ConsentStatus.PENDING,
                asked_at=now,
                answered_at=now if is_author else None,
            )
        )
        if not is_author:
            to_ask.append(person)
    await session.flush()
    return Added(row, to_ask)


async def own_outcome(session: AsyncSession, outcome_id: int, author: Member) -> Outcome:
    row = await session.get(Outcome, outcome_id)
    if row is None:
        raise NotFound(f"There is no outcome #{outcome_id}. `/outcome list` shows them.")
    if row.author_id != author.id:
        raise NotAllowed(
            f"Outcome #{outcome_id} was recorded by someone else; only they can change it."
        )
    return row


async def edit_outcome(
    session: AsyncSession,
    keyring: Keyring,
    outcome_id: int,
    author: Member,
    draft: OutcomeDraft,
    now: datetime,
) -> Outcome:
    row = await own_outcome(session, outcome_id, author)
    _seal(keyring, row, draft)
    row.updated_at = now
    await session.flush()
    return row


async def delete_outcome(session: AsyncSession, outcome_id: int, author: Member) -> None:
    row = await own_outcome(session, outcome_id, author)
    await session.execute(delete(OutcomePerson).where(OutcomePerson.outcome_id == row.id))
    await session.delete(row)
    await session.flush()


@dataclass(frozen=True)
class ConsentAnswer:
    outcome_id: int
    status: ConsentStatus
    changed: bool
    """False when this press did not decide it (already answered)."""


async def answer_consent(
    session: AsyncSession, outcome_id: int, member: Member, agree: bool, now: datetime
) -> ConsentAnswer:
    """Record a named person's answer. Decided by one conditional UPDATE: the first answer
    wins, and a later press is told the answer that stands. A person can still withdraw
    an agreement later with ``agree=False``."""
    wanted = ConsentStatus.AGREED if agree else ConsentStatus.DECLINED
    allowed_from = (
        [ConsentStatus.PENDING] if agree else [ConsentStatus.PENDING, ConsentStatus.AGREED]
    )
    result = await session.execute(
        update(OutcomePerson)
        .where(
            OutcomePerson.outcome_id == outcome_id,
            OutcomePerson.member_id == member.id,
            OutcomePerson.status.in_(allowed_from),
        )
        .values(status=wanted, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) == 1:
        return ConsentAnswer(outcome_id, wanted, True)
    current = await session.scalar(
        select(OutcomePerson.status).where(
            OutcomePerson.outcome_id == outcome_id, OutcomePerson.member_id == member.id
        )
    )
    if current is None:
        raise NotFound("That outcome no longer names you, so there is nothing to answer.")
    if current is wanted:
        return ConsentAnswer(outcome_id, current, False)
    raise Conflict(
        "You already declined to be named in that outcome. Ask its author to name you again."
    )


@dataclass(frozen=True)
class OutcomeView:
    id: int
    kind: OutcomeKind
    happened_on: date
    title: str
    description: str
    link: str
    shareable: bool
    mine: bool
    named: tuple[str, ...]
    """The people who agreed to be named, by display name."""
    pending: int


async def _named(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[list[str], int]]:
    out: dict[int, tuple[list[str], int]] = {i: ([], 0) for i in ids}
    if not ids:
        return out
    rows = await session.execute(
        select(OutcomePerson.outcome_id, OutcomePerson.status, Member.display_name)
        .join(Member, Member.id == OutcomePerson.member_id)
        .where(OutcomePerson.outcome_id.in_(ids))
        .order_by(OutcomePerson.outcome_id, Member.display_name)
    )
    for outcome_id, status, name in rows:
        names, pending = out[outcome_id]
        if status is ConsentStatus.AGREED:
            names.append(name or "a member")
        elif status is ConsentStatus.PENDING:
            out[outcome_id] = (names, pending + 1)
    return out


async def list_outcomes(
    session: AsyncSession,
    keyring: Keyring,
    viewer: Member,
    *,
    mine_only: bool = False,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[OutcomeView], int]:
    """Outcomes newest first, with the total. Others' outcomes show only if shareable."""
    visible = Outcome.author_id == viewer.id
    if not mine_only:
        visible = visible | Outcome.shareable
    total = await session.scalar(select(func.count()).select_from(Outcome).where(visible)) or 0
    rows = (
        await session.scalars(
            select(Outcome)
            .where(visible)
            .order_by(Outcome.happened_on.desc(), Outcome.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    named = await _named(session, [r.id for r in rows])
    views = []
    for row in rows:
        text = open_content(keyring, row)
        names, pending = named[row.id]
        views.append(
            OutcomeView(
                id=row.id,
                kind=row.kind,
                happened_on=row.happened_on,
                title=text["title"],
                description=text["description"],
                link=text["link"],
                shareable=row.shareable,
                mine=row.author_id == viewer.id,
                named=tuple(names),
                pending=pending,
            )
        )
    return views, total


async def outcome_title(session: AsyncSession, keyring: Keyring, outcome_id: int) -> str:
    row = await session.get(Outcome, outcome_id)
    if row is None:
        raise NotFound(f"There is no outcome #{outcome_id}.")
    return open_content(keyring, row)["title"]


@dataclass(frozen=True)
class ReportOutcome:
    kind: OutcomeKind
    happened_on: date
    title: str
    named: tuple[str, ...]


async def outcomes_for_report(
    session: AsyncSession, keyring: Keyring, start: date, end: date
) -> tuple[dict[OutcomeKind, int], list[ReportOutcome]]:
    """Counts by kind for every outcome in the range, and the shareable ones with their
    titles and only the people who agreed to be named."""
    counts = dict.fromkeys(OutcomeKind, 0)
    rows = (
        await session.scalars(
            select(Outcome)
            .where(Outcome.happened_on >= start, Outcome.happened_on <= end)
            .order_by(Outcome.happened_on, Outcome.kind, Outcome.id)
        )
    ).all()
    named = await _named(session, [r.id for r in rows if r.shareable])
    listed = []
    for row in rows:
        counts[row.kind] += 1
        if row.shareable:
            listed.append(
                ReportOutcome(
                    row.kind,
                    row.happened_on,
                    open_content(keyring, row)["title"],
                    tuple(named[row.id][0]),
                )
            )
    return counts, listed


async def export_member(session: AsyncSession, keyring: Keyring, member: Member) -> dict[str, Any]:
    """A member's outcomes and the outcomes that name them, for ``/mydata export``."""
    own = (await session.scalars(select(Outcome).where(Outcome.author_id == member.id))).all()
    named = (
        await session.execute(
            select(OutcomePerson.outcome_id, OutcomePerson.status).where(
                OutcomePerson.member_id == member.id
            )
        )
    ).all()
    return {
        "recorded": [
            {
                "id": row.id,
                "kind": row.kind.value,
                "date": row.happened_on.isoformat(),
                "shareable": row.shareable,
                **open_content(keyring, row),
            }
            for row in own
        ],
        "named_in": [{"outcome": oid, "consent": status.value} for oid, status in named],
    }


async def erase_member(session: AsyncSession, member: Member) -> int:
    """Delete the outcomes a member recorded and every mention of them; returns how many
    outcomes were deleted."""
    own_ids = list(
        (await session.scalars(select(Outcome.id).where(Outcome.author_id == member.id))).all()
    )
    await session.execute(
        delete(OutcomePerson).where(
            (OutcomePerson.member_id == member.id) | OutcomePerson.outcome_id.in_(own_ids)
        )
    )
    await session.execute(delete(Outcome).where(Outcome.id.in_(own_ids)))
    await session.flush()
    return len(own_ids)


def open_text(keyring: Keyring, row: Outcome) -> dict[str, str]:
    """An outcome's title, description and link, for its author to edit."""
    return open_content(keyring, row)


async def awaiting_answer(
    session: AsyncSession, keyring: Keyring, member: Member
) -> list[tuple[int, str]]:
    """The outcomes that name this member and wait for their answer: (id, title)."""
    rows = (
        await session.scalars(
            select(Outcome)
            .join(OutcomePerson, OutcomePerson.outcome_id == Outcome.id)
            .where(
                OutcomePerson.member_id == member.id,
                OutcomePerson.status == ConsentStatus.PENDING,
            )
            .order_by(Outcome.id)
        )
    ).all()
    return [(row.id, open_content(keyring, row)["title"]) for row in rows]
