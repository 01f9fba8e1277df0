"""When members can facilitate: days they marked unavailable, and standing rules
("I can't do Mondays", "not before 10:00"). Planning reads both through one
:class:`Availability` snapshot, so both are honoured alike.

Only the parsed rule is stored, never the words a member typed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput
from bot.models import Meeting, Member, StandingAvailability, Unavailability
from bot.services.rotation.assignments import local_day
from bot.services.when import parse_time_of_day

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_WORDS = {
    name: index
    for index, names in enumerate(
        [
            ("monday", "mondays", "mon"),
            ("tuesday", "tuesdays", "tue", "tues"),
            ("wednesday", "wednesdays", "wed"),
            ("thursday", "thursdays", "thu", "thur", "thurs"),
            ("friday", "fridays", "fri"),
            ("saturday", "saturdays", "sat"),
            ("sunday", "sundays", "sun"),
        ]
    )
    for name in names
}
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?"
_BEFORE = re.compile(
    rf"(?:\bnot\s+before|\bno\s+earlier\s+than|\bonly\s+after|(?<!not )\bafter|\bfrom)\s+{_TIME}"
)
_AFTER = re.compile(
    rf"(?:\bnot\s+after|\bno\s+later\s+than|\bonly\s+before|(?<!not )\bbefore|\buntil|\btill)"
    rf"\s+{_TIME}"
)
_CLEAR = {"any", "anytime", "any time", "anything", "clear", "none", "reset", "all", "any day"}
AVAILABILITY_EXAMPLES = (
    "`I can't do Mondays`, `not Mondays or Fridays`, `not before 10:00`, "
    "`not after 4pm` or `any` to clear"
)


@dataclass(frozen=True)
class StandingRule:
    """A member's standing availability: weekdays they can't do and a time window."""

    weekdays_off: frozenset[int] = frozenset()
    not_before: time | None = None
    not_after: time | None = None

    @property
    def is_empty(self) -> bool:
        return not self.weekdays_off and self.not_before is None and self.not_after is None

    def allows(self, meeting: Meeting, zone: ZoneInfo) -> bool:
        start = meeting.starts_at.astimezone(zone)
        end = meeting.ends_at.astimezone(zone)
        if start.weekday() in self.weekdays_off:
            return False
        if self.not_before is not None and start.time() < self.not_before:
            return False
        return not (
            self.not_after is not None
            and (end.date() > start.date() or end.time() > self.not_after)
        )

    def describe(self) -> str:
        parts = []
        if self.weekdays_off:
            days = [WEEKDAY_NAMES[d] + "s" for d in sorted(self.weekdays_off)]
            parts.append("not on " + _join(days))
        if self.not_before is not None:
            parts.append(f"not before {self.not_before:%H:%M}")
        if self.not_after is not None:
            parts.append(f"finishing by {self.not_after:%H:%M}")
        return ", ".join(parts) if parts else "any day and time"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _clock(match: re.Match[str], offset: int, typed: str) -> time:
    """The time a ``_TIME`` group names, read by the one time language."""
    hour, minute, suffix = match.group(offset), match.group(offset + 1), match.group(offset + 2)
    return parse_time_of_day(f"{hour}:{minute or '00'}{suffix or ''}")


def parse_standing(text: str) -> StandingRule:
    """Read a standing-availability phrase. Raises ``InvalidInput`` with examples."""
    lowered = " ".join(text.strip().lower().replace("’", "'").split())
    if len(lowered) > 200:
        raise InvalidInput(f"Keep it short, like {AVAILABILITY_EXAMPLES}.")
    if lowered.strip(" .!") in _CLEAR:
        return StandingRule()
    not_before = not_after = None
    if match := _BEFORE.search(lowered):
        not_before = _clock(match, 1, lowered)
        lowered = lowered[: match.start()] + " " + lowered[match.end() :]
    if match := _AFTER.search(lowered):
        not_after = _clock(match, 1, lowered)
        lowered = lowered[: match.start()] + " " + lowered[match.end() :]
    words = re.findall(r"[a-z]+", lowered)
    days = {_DAY_WORDS[w] for w in words if w in _DAY_WORDS}
    if days and "only" in words:
        days = set(range(7)) - days
    if not days and not_before is None and not_after is None:
        raise InvalidInput(
            f"I couldn't read that as standing availability. Try {AVAILABILITY_EXAMPLES}."
        )
    if len(days) == 7:
        raise InvalidInput(
            "That rules out every day of the week. To step back from the rotation for a while, "
            "use `/roster unavailable` with dates instead."
        )
    if not_before is not None and not_after is not None and not_after <= not_before:
        raise InvalidInput(
            f"`not before {not_before:%H:%M}` and `finishing by {not_after:%H:%M}` leave no time. "
            "Check the two times."
        )
    return StandingRule(frozenset(days), not_before, not_after)


def _rule_of(row: StandingAvailability) -> StandingRule:
    days = frozenset(int(c) for c in row.weekdays_off if c.isdigit())
    return StandingRule(days, row.not_before, row.not_after)


async def standing_rule(session: AsyncSession, member_id: int) -> StandingRule:
    row = await session.get(StandingAvailability, member_id)
    return _rule_of(row) if row is not None else StandingRule()


async def set_standing(
    session: AsyncSession, member: Member, rule: StandingRule, now: object
) -> None:
    """Store (or, for an empty rule, remove) the member's standing availability."""
    await session.execute(
        delete(StandingAvailability).where(StandingAvailability.member_id == member.id)
    )
    if not rule.is_empty:
        session.add(
            StandingAvailability(
                member_id=member.id,
                weekdays_off="".join(str(d) for d in sorted(rule.weekdays_off)),
                not_before=rule.not_before,
                not_after=rule.not_after,
                updated_at=now,
            )
        )
    await session.flush()


@dataclass
class Availability:
    """Who can facilitate which meeting: date ranges plus standing rules."""

    zone: ZoneInfo
    spans: dict[int, list[tuple[date, date]]] = field(default_factory=dict)
    standing: dict[int, StandingRule] = field(default_factory=dict)

    def is_free(self, member_id: int, meeting: Meeting) -> bool:
        day = local_day(meeting.starts_at, self.zone)
        if any(first <= day <= last for first, last in self.spans.get(member_id, ())):
            return False
        rule = self.standing.get(member_id)
        return rule is None or rule.allows(meeting, self.zone)


async def load(
    session: AsyncSession, member_ids: Iterable[int], today: date, zone: ZoneInfo
) -> Availability:
    """One snapshot of the availability of ``member_ids`` from ``today`` on."""
    ids = set(member_ids)
    rows = (
        await session.scalars(
            select(Unavailability).where(
                Unavailability.member_id.in_(ids), Unavailability.last_day >= today
            )
        )
    ).all()
    spans: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for row in rows:
        spans[row.member_id].append((row.first_day, row.last_day))
    standing = {
        row.member_id: _rule_of(row)
        for row in (
            await session.scalars(
                select(StandingAvailability).where(StandingAvailability.member_id.in_(ids))
            )
        ).all()
    }
    return Availability(zone, dict(spans), standing)


@dataclass(frozen=True)
class Blocked:
    """Why a member can't take a meeting: a day they marked, or their standing rule."""

    day: date
    rule: StandingRule | None = None
    """Set when the standing rule (not a marked day) rules the meeting out."""

    def refusal(self, *, you: bool) -> str:
        if self.rule is None:
            who = "You've" if you else "They've"
            return (
                f"{who} marked `{self.day.isoformat()}` as unavailable, so that turn can't be "
                "taken. Clear it first with `/roster available`, or pick another date."
            )
        whose = "Your" if you else "Their"
        return (
            f"{whose} standing availability is {self.rule.describe()}, so that turn can't be "
            "taken. Change it with `/roster availability`, or pick another date."
        )


async def blocking(
    session: AsyncSession, member: Member, meeting: Meeting, zone: ZoneInfo
) -> Blocked | None:
    """Why ``member`` can't take ``meeting``, or None when they can."""
    day = local_day(meeting.starts_at, zone)
    found = await session.scalar(
        select(Unavailability.id).where(
            Unavailability.member_id == member.id,
            Unavailability.first_day <= day,
            Unavailability.last_day >= day,
        )
    )
    if found is not None:
        return Blocked(day)
    rule = await standing_rule(session, member.id)
    if not rule.allows(meeting, zone):
        return Blocked(day, rule)
    return None


async def is_unavailable(
    session: AsyncSession, member: Member, meeting: Meeting, zone: ZoneInfo
) -> bool:
    return await blocking(session, member, meeting, zone) is not None
