"""A small community with a year of history, for the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.crypto import Keyring
from bot.db import Database
from bot.models import (
    Application,
    ApplicationStatus,
    AssignmentRole,
    AssignmentSource,
    FacilitationAssignment,
    Meeting,
    MeetingAttendance,
    Member,
    MemberStatus,
    OutcomeKind,
    Renewal,
    RenewalOutcome,
    RenewalReason,
    RotationEntry,
    SharingLevel,
)
from bot.services import outcomes
from bot.services.learnings.store import add_learning
from bot.services.learnings.text import Draft, validate
from bot.services.partnerships import rounds
from tests.builders import add_member

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
START = date(2025, 12, 1)
END = date(2026, 11, 20)

PRIVATE_SECRET = "Kookaburra-private-secret"
GROUP_SECRET = "Wombat-group-secret"
DIGEST_SECRET = "Echidna-digest-text"


@dataclass
class Seeded:
    members: list[Member]
    lonely_locality: str
    lonely_course: str


def _learning(title: str, learned: str, tags: str) -> object:
    return validate(
        Draft(title=title, happened="It happened.", learned=learned, next_time="", tags=tags)
    )


async def seed(db: Database, keyring: Keyring) -> Seeded:
    """Nine members: six in Rockhampton, two in Gladstone, one alone in Longreach (a group
    too small to show); meetings with facilitators; learnings at every level; outcomes."""
    localities = ["Rockhampton"] * 6 + ["Gladstone"] * 2 + ["Longreach"]
    courses = ["Partnership Brokering (PBAS)"] * 5 + ["Collaboration 101"] * 3 + ["Solo course"]
    async with db.transaction() as session:
        members = []
        for i, (place, course) in enumerate(zip(localities, courses, strict=True)):
            joined = NOW - timedelta(days=30 * (i + 1))
            member = await add_member(
                session,
                f"Person {i}",
                joined,
                user_id=1000 + i,
                organisation=f"Org {i}",
                locality=place,
            )
            session.add(
                Application(
                    member_id=member.id,
                    user_id=member.user_id,
                    status=ApplicationStatus.APPROVED,
                    submitted_at=joined,
                    course=course,
                    locality=place,
                )
            )
            session.add(RotationEntry(member_id=member.id, entered_at=joined))
            members.append(member)
        gone, lapsed = [
            await add_member(session, name, NOW - timedelta(days=days), user_id=uid, status=status)
            for name, days, uid, status in (
                ("Gone Person", 200, 2000, MemberStatus.LEFT),
                ("Lapsed Person", 300, 2001, MemberStatus.ALUMNI),
            )
        ]
        gone.left_at = NOW - timedelta(days=40)
        session.add(
            Renewal(
                member_id=lapsed.id,
                reason=RenewalReason.PERIODIC,
                pledge_version="1",
                created_at=NOW - timedelta(days=70),
                outcome=RenewalOutcome.LAPSED,
                closed_at=NOW - timedelta(days=60),
            )
        )
        for i, week in enumerate(range(0, 40, 4)):
            starts = NOW - timedelta(days=7 * week + 3)
            meeting = Meeting(starts_at=starts, place="Room 1", created_at=starts)
            session.add(meeting)
            await session.flush()
            session.add(
                FacilitationAssignment(
                    meeting_id=meeting.id,
                    member_id=members[i % 4].id,
                    role=AssignmentRole.FACILITATOR,
                    source=AssignmentSource.AUTO,
                    created_at=starts,
                )
            )
            for member in members[: 3 + i % 3]:  # 3 to 5 came to each meeting
                session.add(
                    MeetingAttendance(
                        meeting_id=meeting.id, member_id=member.id, recorded_at=starts
                    )
                )
        levels = [
            (SharingLevel.PRIVATE, PRIVATE_SECRET, "private theme"),
            (SharingLevel.GROUP, GROUP_SECRET, "group theme"),
            (SharingLevel.DIGEST_ANONYMOUS, DIGEST_SECRET, "trust"),
            (SharingLevel.DIGEST_NAMED, DIGEST_SECRET, "trust, funding"),
        ]
        for i, member in enumerate(members):
            for level, text, tags in levels:
                await add_learning(
                    session,
                    keyring,
                    member,
                    _learning(f"{text} title {i}", text, tags),  # type: ignore[arg-type]
                    NOW - timedelta(days=10 * i + 1),
                    sharing=level,
                )
        for kind, title, shareable in [
            (OutcomeKind.GRANT_APPLICATION, "Youth hub grant", True),
            (OutcomeKind.PRESENTATION, "Community Services Forum talk", True),
            (OutcomeKind.OTHER, "Unshareable quiet outcome", False),
        ]:
            draft = outcomes.validate(
                kind=kind,
                happened_on=date(2026, 10, 1),
                title=title,
                shareable=shareable,
                today=END,
            )
            added = await outcomes.add_outcome(
                session, keyring, members[0], draft, [members[0], members[1]], NOW
            )
            await outcomes.answer_consent(session, added.outcome.id, members[1], False, NOW)
    async with db.transaction() as session:
        for member in members[:4]:
            await rounds.opt_in(session, member, NOW)
        await rounds.make_round(
            session,
            NOW - timedelta(days=20),
            NOW,
            checkin_after=timedelta(days=14),
            cross_town=False,
        )
    return Seeded(members, "Longreach", "Solo course")
