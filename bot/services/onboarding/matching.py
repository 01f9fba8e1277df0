"""Interest matching: who a newcomer should meet first, and /connect's one-at-a-time
suggestions. Partnerships here are built one person at a time, around shared interests.

Two tags match exactly when they are the same after normalising ("Co-Design" and
"co-design"), and are related when they share a meaningful word ("health equity" and
"rural health"). Exact matches weigh more than related ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction, attributes

from bot.errors import InvalidInput, NotFound
from bot.models import ConnectSuggestion, InterestTerm, Member, MemberStatus
from bot.tags import normalise_tag

EXACT_WEIGHT = 3
RELATED_WEIGHT = 1

_STOPWORDS = frozenset(
    {
        "a", "an", "and", "or", "the", "of", "in", "on", "for", "with", "to", "at", "by",
        "partner", "partners", "partnering", "partnership", "partnerships", "broker",
        "brokers", "brokering", "work", "working", "practice", "community", "communities",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(tag: str) -> frozenset[str]:
    """The meaningful words of a tag, lightly stemmed."""
    return frozenset(
        _stem(w) for w in _WORD.findall(normalise_tag(tag)) if w not in _STOPWORDS and len(w) > 2
    )


@dataclass(frozen=True)
class Overlap:
    score: int
    shared: tuple[str, ...]
    """Their tags that match one of ours, exact matches first."""


def overlap(mine: Iterable[str], theirs: Iterable[str]) -> Overlap:
    """How much two people's interests overlap."""
    my_tags = [normalise_tag(t) for t in mine]
    their_tags = [normalise_tag(t) for t in theirs]
    my_set = set(my_tags)
    exact = [t for t in their_tags if t in my_set]
    my_words = set().union(*(words(t) for t in my_tags)) if my_tags else set()
    related = [t for t in their_tags if t not in my_set and words(t) & my_words]
    return Overlap(
        EXACT_WEIGHT * len(exact) + RELATED_WEIGHT * len(related), tuple(exact + related)
    )


def matches_interest(interest: str, tags: Iterable[str]) -> tuple[str, ...]:
    """The tags that match one interest someone asked about."""
    wanted = normalise_tag(interest)
    wanted_words = words(wanted)
    found = []
    for tag in tags:
        norm = normalise_tag(tag)
        if norm == wanted or (wanted_words and words(norm) & wanted_words):
            found.append(norm)
    found.sort(key=lambda t: t != wanted)
    return tuple(found)


@dataclass(frozen=True)
class Match:
    member: Member
    score: int
    shared: tuple[str, ...]


def _since(member: Member) -> datetime:
    return member.joined_at or member.first_seen_at


def rank(
    newcomer: Member, candidates: Sequence[Member], *, interests: Sequence[str] | None = None
) -> list[Match]:
    """Candidates who share interests, best first. Ties go to someone from another
    organisation, then to the longest-standing member, then to the lowest id."""
    tags = list(newcomer.interests if interests is None else interests)
    own_org = newcomer.organisation.casefold().strip()
    matches = []
    for other in candidates:
        if other.id == newcomer.id:
            continue
        found = overlap(tags, other.interests)
        if found.score > 0:
            matches.append(Match(other, found.score, found.shared))
    matches.sort(
        key=lambda m: (
            -m.score,
            bool(own_org) and m.member.organisation.casefold().strip() == own_org,
            _since(m.member),
            m.member.id,
        )
    )
    return matches


# --- the term index -------------------------------------------------------------------


def interest_terms(tags: Iterable[str]) -> set[str]:
    """What a person's interests can be found by: each whole tag (``=co-design``) and
    each meaningful word. Two people match exactly when they share one of these."""
    terms: set[str] = set()
    for tag in tags:
        norm = normalise_tag(tag)
        if norm:
            terms.add(f"={norm}"[:100])
            terms.update(w[:100] for w in words(norm))
    return terms


_CHANGED = "onboarding.interests_changed"


def _note_interest_changes(session: Session, context: UOWTransaction, instances: object) -> None:
    changed: set[Member] = session.info.setdefault(_CHANGED, set())
    for obj in session.new:
        if isinstance(obj, Member) and obj.interests:
            changed.add(obj)
    for obj in session.dirty:
        if isinstance(obj, Member) and attributes.get_history(obj, "interests").has_changes():
            changed.add(obj)


def _write_interest_terms(session: Session, context: UOWTransaction) -> None:
    changed: set[Member] | None = session.info.pop(_CHANGED, None)
    if not changed:
        return
    connection = session.connection()
    ids = [m.id for m in changed]
    connection.execute(delete(InterestTerm).where(InterestTerm.member_id.in_(ids)))
    rows = [{"member_id": m.id, "term": t} for m in changed for t in interest_terms(m.interests)]
    if rows:
        connection.execute(insert(InterestTerm), rows)


event.listen(Session, "before_flush", _note_interest_changes)
event.listen(Session, "after_flush", _write_interest_terms)
"""Every flush that changes someone's interests rewrites their terms, whichever code
changed them; ``index_unindexed`` fills in records written before the index existed."""


async def index_unindexed(session: AsyncSession) -> int:
    """Terms for people whose interests were never indexed. Returns how many people."""
    indexed = select(InterestTerm.member_id).where(InterestTerm.member_id == Member.id).exists()
    rows = (
        await session.execute(
            select(Member.id, Member.interests).where(
                func.json_array_length(Member.interests) > 0, ~indexed
            )
        )
    ).all()
    terms = [{"member_id": i, "term": t} for i, tags in rows for t in interest_terms(tags)]
    for start in range(0, len(terms), 5000):
        await session.execute(insert(InterestTerm), terms[start : start + 5000])
    return len(rows)


async def members_sharing(session: AsyncSession, terms: Iterable[str]) -> list[Member]:
    """Current members of the CoP, in the server, who share one of ``terms``: found
    through the term index, so the cost follows the people who match, not the server."""
    wanted = sorted(terms)
    if not wanted:
        return []
    sharing = select(InterestTerm.member_id).where(InterestTerm.term.in_(wanted))
    rows = await session.scalars(
        select(Member)
        .where(
            Member.id.in_(sharing),
            Member.status == MemberStatus.ACTIVE,
            Member.in_guild.is_(True),
        )
        .order_by(Member.id)
    )
    return list(rows)


async def meet_first(session: AsyncSession, newcomer: Member, count: int) -> list[Match]:
    """Up to ``count`` current members who share the newcomer's interests."""
    candidates = await members_sharing(session, interest_terms(newcomer.interests))
    return rank(newcomer, candidates)[:count]


async def suggest_connection(
    session: AsyncSession, member: Member, interest: str | None, now: datetime
) -> Match:
    """One member to connect with, sharing ``interest`` (or any of the asker's own).

    Moves on each time: never the person suggested last time when someone else fits,
    and people not suggested yet (or longest ago) come first. Records the suggestion.
    """
    interest = normalise_tag(interest or "")
    if interest:
        pool = []
        for other in await members_sharing(session, interest_terms([interest])):
            if other.id == member.id:
                continue
            found = matches_interest(interest, other.interests)
            if found:
                exact = sum(1 for t in found if t == interest)
                pool.append(Match(other, EXACT_WEIGHT * exact + len(found) - exact, found))
        pool.sort(key=lambda m: (-m.score, _since(m.member), m.member.id))
        if not pool:
            raise NotFound(
                f"Nobody lists `{interest}` as an interest yet. Try a broader word, or leave "
                "the interest out to match on your own interests."
            )
    else:
        if not member.interests:
            raise InvalidInput(
                "You haven't listed any interests yet. Add some with `/profile edit`, or "
                "name one, like `/connect interest:co-design`."
            )
        pool = rank(member, await members_sharing(session, interest_terms(member.interests)))
        if not pool:
            raise NotFound(
                "Nobody shares your interests yet. Try `/connect` with a single interest, "
                "or add more interests with `/profile edit`."
            )

    by_id = {m.member.id: m for m in pool}
    chosen = await choose_next(session, member, list(by_id), interest, now)
    return by_id[chosen]


async def choose_next(
    session: AsyncSession, member: Member, ranked: Sequence[int], interest: str, now: datetime
) -> int:
    """Of ``ranked`` (member ids, best first), the one to suggest now, recorded.

    Moves on each time: never the person suggested last time when someone else fits,
    and people not suggested yet (or longest ago) come first."""
    history = list(
        await session.scalars(
            select(ConnectSuggestion)
            .where(ConnectSuggestion.member_id == member.id)
            .order_by(ConnectSuggestion.suggested_at.desc(), ConnectSuggestion.id.desc())
        )
    )
    last_suggested: dict[int, datetime] = {}
    for row in history:
        last_suggested.setdefault(row.suggested_member_id, row.suggested_at)
    previous = history[0].suggested_member_id if history else None
    candidates = [m for m in ranked if m != previous] or list(ranked)
    order = {m: n for n, m in enumerate(candidates)}
    never = [m for m in candidates if m not in last_suggested]
    choice = never[0] if never else min(candidates, key=lambda m: (last_suggested[m], order[m]))
    session.add(
        ConnectSuggestion(
            member_id=member.id,
            suggested_member_id=choice,
            interest=interest[:100],
            suggested_at=now,
        )
    )
    await session.flush()
    return choice
