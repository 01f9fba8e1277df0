"""A person's way in: arrival, the /join draft, the application, the decision, leaving.

Onboarding owns the ``Member`` lifecycle: APPLICANT from first contact, ACTIVE (with
``joined_at``) on approval, DECLINED on decline, LEFT on leaving the server. Every
function takes the session and ``now`` and never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import (
    Application,
    ApplicationStatus,
    Attestation,
    JoinDraft,
    Member,
    MemberStatus,
    Renewal,
    RenewalOutcome,
    Standing,
)
from bot.services import rotation
from bot.services.members import add_member, member_by_user
from bot.services.onboarding.forms import (
    Answers,
    Complete,
    clean,
    complete,
    parse_interests,
    text_problems,
)
from bot.services.onboarding.matching import Match, meet_first
from bot.services.unique import get_or_insert, insert_once, rows_changed
from bot.timeutil import show

log = logging.getLogger(__name__)

DECLINE_REASON_MAX = 500
WELCOME_RETRY_AFTER = timedelta(minutes=5)
"""An approval whose welcome (role, introduction, DM) is still undone this long after
the decision is finished by the sweep: the bot stopped half-way."""


# --- people -------------------------------------------------------------------------


async def require_member(session: AsyncSession, user_id: int) -> Member:
    member = await member_by_user(session, user_id)
    if member is None:
        raise NotFound("The bot has no record of that person. They may never have joined.")
    return member


async def record_presence(
    session: AsyncSession, user_id: int, display_name: str, now: datetime
) -> Member:
    """The record of someone in the server now: created as an APPLICANT on first contact;
    someone who comes back after leaving is in the server again (and an applicant, if
    they had left). Not to be confused with ``members.add_member``, which only creates."""
    member = await member_by_user(session, user_id)
    if member is None:
        return await add_member(session, user_id, display_name, now, status=MemberStatus.APPLICANT)
    if not member.in_guild:
        member.in_guild = True
        if member.status is MemberStatus.LEFT:
            member.status = MemberStatus.APPLICANT
        standing = await session.get(Standing, member.id)
        if standing is not None:
            standing.welcomed_at = None  # a returning person gets the pointer again
            standing.welcomed_via = ""
    if not member.display_name and member.status is not MemberStatus.ERASED:
        member.display_name = display_name[:100]
    return member


async def standing_of(session: AsyncSession, member: Member) -> Standing:
    standing = await session.get(Standing, member.id)
    if standing is None:
        standing = Standing(member_id=member.id, welcomed_via="")
        session.add(standing)
        await session.flush()
    return standing


async def claim_welcome(
    session: AsyncSession, user_id: int, display_name: str, now: datetime, via: str = "dm"
) -> Member | None:
    """Record that the arrival welcome is being sent now; returns the person, or None if
    they were already welcomed (so it is sent once, whichever path gets there first)."""
    member = await record_presence(session, user_id, display_name, now)
    await standing_of(session, member)
    result = await rows_changed(
        session,
        update(Standing)
        .where(Standing.member_id == member.id, Standing.welcomed_at.is_(None))
        .values(welcomed_at=now, welcomed_via=via)
        .execution_options(synchronize_session=False),
    )
    if result != 1:
        return None
    return member


async def set_welcome_via(session: AsyncSession, member_id: int, via: str) -> None:
    await session.execute(
        update(Standing).where(Standing.member_id == member_id).values(welcomed_via=via)
    )


@dataclass(frozen=True)
class Departure:
    member: Member
    was_active: bool
    open_application: Application | None


async def leave_rotation(session: AsyncSession, member: Member, now: datetime) -> int:
    """Hand the member's future facilitation turns to others (the rotation capability).
    Call after the member stops being ACTIVE or in the guild. Returns how many upcoming
    meetings changed."""
    return len(await rotation.reassign_future_turns(session, member, now))


async def close_open_renewals(session: AsyncSession, member: Member, now: datetime) -> None:
    await session.execute(
        update(Renewal)
        .where(Renewal.member_id == member.id, Renewal.outcome == RenewalOutcome.OPEN)
        .values(outcome=RenewalOutcome.CLOSED, closed_at=now, open_member_id=None)
    )


async def record_departure(session: AsyncSession, user_id: int, now: datetime) -> Departure | None:
    """They left the server: LEFT, out of the rotation, open renewals closed. A pending
    application stays open; a coordinator can still decide it. Returns None when there
    is nothing to record (unknown, or already recorded as gone)."""
    member = await member_by_user(session, user_id)
    if member is None:
        return None
    if not member.in_guild and member.status in (MemberStatus.LEFT, MemberStatus.ERASED):
        return None
    was_active = member.status is MemberStatus.ACTIVE
    member.in_guild = False
    member.left_at = now
    if member.status is not MemberStatus.ERASED:
        member.status = MemberStatus.LEFT
    await close_open_renewals(session, member, now)
    if was_active:
        await leave_rotation(session, member, now)
    application = await open_application(session, user_id)
    return Departure(member, was_active, application)


# --- drafts -------------------------------------------------------------------------


async def load_draft(session: AsyncSession, user_id: int) -> Answers:
    draft = await session.get(JoinDraft, user_id)
    return Answers.from_json(draft.answers if draft else None)


async def save_draft(session: AsyncSession, user_id: int, answers: Answers, now: datetime) -> None:
    data = answers.to_json()
    draft = await get_or_insert(
        session,
        JoinDraft,
        user_id,
        lambda: JoinDraft(user_id=user_id, answers=data, updated_at=now),
    )
    draft.answers = data
    draft.updated_at = now
    await session.flush()


async def discard_draft(session: AsyncSession, user_id: int) -> None:
    draft = await session.get(JoinDraft, user_id)
    if draft is not None:
        await session.delete(draft)


async def starting_answers(session: AsyncSession, user_id: int, fallback_name: str) -> Answers:
    """What the form opens with: the draft, else the last application's answers (a
    returning applicant fixes rather than retypes), else just their Discord name."""
    draft = await session.get(JoinDraft, user_id)
    if draft is not None:
        return Answers.from_json(draft.answers)
    last = await session.scalar(
        select(Application)
        .where(Application.user_id == user_id)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(1)
    )
    if last is None or not last.display_name:
        return Answers(name=fallback_name[:100])
    return Answers(
        name=last.display_name,
        organisation=last.organisation,
        job_role=last.job_role,
        interests=", ".join(last.interests),
        training_year=str(last.training_year or ""),
    )


# --- applying -----------------------------------------------------------------------


async def open_application(session: AsyncSession, user_id: int) -> Application | None:
    return await session.scalar(
        select(Application).where(
            Application.user_id == user_id, Application.status == ApplicationStatus.PENDING
        )
    )


async def ensure_can_apply(session: AsyncSession, user_id: int) -> None:
    """Raises ``Conflict`` with their current status for someone who may not apply now."""
    pending = await open_application(session, user_id)
    if pending is not None:
        raise Conflict(
            f"You already applied, on {show(pending.submitted_at, 'D')}, and a coordinator "
            "will review it soon; you'll get a DM with the decision. There's nothing more "
            "to do for now."
        )
    member = await member_by_user(session, user_id)
    if member is not None and member.status is MemberStatus.ACTIVE:
        since = f" since {show(member.joined_at, 'D')}" if member.joined_at else ""
        raise Conflict(
            f"You're already a member{since}. See your profile with `/profile show`, or "
            "change it with `/profile edit`."
        )


@dataclass(frozen=True)
class Submitted:
    application: Application
    member: Member
    answers: Complete


async def submit_application(
    session: AsyncSession,
    user_id: int,
    discord_name: str,
    answers: Answers,
    config: AppConfig,
    now: datetime,
) -> Submitted:
    """Check the answers and record the application (unmet rules and all, so a
    coordinator can make an exception). Raises ``InvalidInput`` listing what is missing,
    or ``Conflict`` for someone who already applied or is a member."""
    await ensure_can_apply(session, user_id)
    done = complete(answers, config, now.astimezone(config.community.zone).year)
    member = await record_presence(session, user_id, discord_name, now)
    application = Application(
        member_id=member.id,
        user_id=user_id,
        open_user_id=user_id,
        status=ApplicationStatus.PENDING,
        submitted_at=now,
        display_name=done.name,
        organisation=done.organisation,
        job_role=done.job_role,
        interests=done.interests,
        locality=done.locality,
        locality_note=done.locality_note,
        course=done.course,
        course_note=done.course_note,
        training_year=done.training_year,
        agreed_facilitation=done.agreed_facilitation,
        agreed_pledge=done.agreed_pledge,
        pledge_version=done.pledge_version,
        rules_version=config.community.rules_version,
        checks=[c.to_json() for c in done.checks],
        all_met=done.all_met,
        auto_approved=False,
        decline_reason="",
        meet_first=[],
    )
    if not await insert_once(session, application):
        # Two submits at once: the unique ``open_user_id`` let one through. The whole
        # unit of work rolls back with this error.
        raise Conflict(
            "You already applied, and a coordinator will review it soon; you'll get a DM "
            "with the decision."
        )
    member.status = MemberStatus.APPLICANT
    member.display_name = done.name
    member.organisation = done.organisation
    member.job_role = done.job_role
    member.locality = done.locality
    member.locality_note = done.locality_note
    member.interests = list(done.interests)
    await discard_draft(session, user_id)
    return Submitted(application, member, done)


# --- deciding -----------------------------------------------------------------------


class Verdict(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"


@dataclass(frozen=True)
class Decision:
    application: Application
    member: Member
    approved: bool
    in_guild: bool
    meet_first: list[Match]


def already_decided(application: Application) -> Conflict:
    verb = "approved" if application.status is ApplicationStatus.APPROVED else "declined"
    if application.auto_approved:
        who = "automatically, as every rule was met"
    elif application.decided_by:
        who = f"by <@{application.decided_by}>"
    else:
        who = "already"
    when = f" {show(application.decided_at, 'R')}" if application.decided_at else ""
    return Conflict(f"This application was already {verb} {who}{when}. Nothing more to do.")


def clean_decline_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidInput("Give the applicant a reason, so they know what to do next.")
    if len(cleaned) > DECLINE_REASON_MAX:
        raise InvalidInput(
            f"The reason is {len(cleaned)} characters long; keep it to {DECLINE_REASON_MAX} "
            "or fewer."
        )
    return cleaned


async def decide(
    session: AsyncSession,
    application_id: int,
    verdict: Verdict,
    *,
    by_user_id: int | None,
    config: AppConfig,
    now: datetime,
    reason: str = "",
) -> Decision:
    """Approve or decline, exactly once: the first statement is a conditional UPDATE, so
    of two presses (or two coordinators) one wins and the other gets ``Conflict``.

    ``by_user_id`` None means the bot approved by itself (``auto_approve``).
    """
    if verdict is Verdict.DECLINE:
        reason = clean_decline_reason(reason)
    status = (
        ApplicationStatus.APPROVED if verdict is Verdict.APPROVE else ApplicationStatus.DECLINED
    )
    result = await rows_changed(
        session,
        update(Application)
        .where(Application.id == application_id, Application.status == ApplicationStatus.PENDING)
        .values(
            status=status,
            open_user_id=None,
            decided_at=now,
            decided_by=by_user_id,
            auto_approved=by_user_id is None,
            decline_reason=reason,
        )
        .execution_options(synchronize_session=False),
    )
    application = await session.get(Application, application_id, populate_existing=True)
    if application is None:
        raise NotFound(f"There is no application `#{application_id}`. It may have been removed.")
    if result != 1:
        raise already_decided(application)
    member = await session.get(Member, application.member_id)
    assert member is not None  # a foreign key
    in_guild = member.in_guild
    matches: list[Match] = []
    if verdict is Verdict.APPROVE:
        session.add(
            Attestation(
                member_id=member.id,
                application_id=application.id,
                kind="application",
                rules_version=application.rules_version,
                pledge_version=application.pledge_version,
                locality=application.locality
                if application.locality != "elsewhere"
                else application.locality_note[:100],
                agreed_at=application.submitted_at,
                recorded_at=now,
                approved_by=by_user_id,
            )
        )
        if in_guild:
            member.status = MemberStatus.ACTIVE
            member.joined_at = now
            member.left_at = None
            standing = await standing_of(session, member)
            standing.renewal_anchor_at = now
            standing.pledge_version = application.pledge_version or None
            await rotation.sync_pool(session, now)  # rule 3: into the facilitation rotation
            matches = await meet_first(session, member, config.onboarding.meet_first_count)
            application.meet_first = [m.member.id for m in matches]
    elif in_guild and member.status is not MemberStatus.ACTIVE:
        member.status = MemberStatus.DECLINED
    await session.flush()
    return Decision(application, member, verdict is Verdict.APPROVE, in_guild, matches)


async def get_application(session: AsyncSession, application_id: int) -> Application:
    application = await session.get(Application, application_id)
    if application is None:
        raise NotFound(f"There is no application `#{application_id}`.")
    return application


async def mark_welcomed(
    session: AsyncSession, application_id: int, now: datetime, intro_message_id: int | None
) -> None:
    await session.execute(
        update(Application)
        .where(Application.id == application_id)
        .values(welcomed_at=now, intro_message_id=intro_message_id)
    )


async def claim_welcome_after_approval(
    session: AsyncSession, application_id: int, now: datetime
) -> bool:
    """Claim an approval's welcome (role, introduction, DM) so it happens once."""
    result = await rows_changed(
        session,
        update(Application)
        .where(
            Application.id == application_id,
            Application.status == ApplicationStatus.APPROVED,
            Application.welcomed_at.is_(None),
        )
        .values(welcomed_at=now)
        .execution_options(synchronize_session=False),
    )
    return result == 1


async def set_review_post(
    session: AsyncSession, application_id: int, channel_id: int, message_id: int
) -> None:
    await session.execute(
        update(Application)
        .where(Application.id == application_id)
        .values(review_channel_id=channel_id, review_message_id=message_id)
    )


PENDING_SHOWN = 20
"""How many open applications ``/onboarding pending`` lists; it counts the rest."""


@dataclass(frozen=True)
class PendingPage:
    applications: list[Application]
    """The oldest open applications, at most ``PENDING_SHOWN``."""
    total: int


async def pending_applications(session: AsyncSession, limit: int = PENDING_SHOWN) -> PendingPage:
    """The oldest open applications and how many are open: two bounded queries, whatever
    the size of the server."""
    rows = await session.scalars(
        select(Application)
        .where(Application.status == ApplicationStatus.PENDING)
        .order_by(Application.submitted_at, Application.id)
        .limit(limit)
    )
    total = await session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.status == ApplicationStatus.PENDING)
    )
    return PendingPage(list(rows), int(total or 0))


async def applications_without_review_post(session: AsyncSession) -> list[Application]:
    rows = await session.scalars(
        select(Application)
        .where(
            Application.status == ApplicationStatus.PENDING,
            Application.review_message_id.is_(None),
        )
        .order_by(Application.id)
    )
    return list(rows)


async def approvals_not_welcomed(session: AsyncSession, now: datetime) -> list[Application]:
    """Approvals whose welcome never happened (the bot stopped half-way)."""
    rows = await session.scalars(
        select(Application)
        .join(Member, Member.id == Application.member_id)
        .where(
            Application.status == ApplicationStatus.APPROVED,
            Application.welcomed_at.is_(None),
            Application.decided_at <= now - WELCOME_RETRY_AFTER,
            Member.status == MemberStatus.ACTIVE,
            Member.in_guild.is_(True),
        )
        .order_by(Application.id)
    )
    return list(rows)


async def members_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Member]:
    if not ids:
        return []
    rows = {m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


# --- records ------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRecord:
    member: Member
    applications: list[Application]
    attestations: list[Attestation]
    renewals: list[Renewal]
    standing: Standing | None


async def member_record(session: AsyncSession, user_id: int) -> MemberRecord:
    member = await member_by_user(session, user_id)
    if member is None:
        raise NotFound(
            "The bot has no record of them: they haven't joined the server or used `/join` yet."
        )
    applications = await session.scalars(
        select(Application)
        .where(Application.member_id == member.id)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    attestations = await session.scalars(
        select(Attestation)
        .where(Attestation.member_id == member.id)
        .order_by(Attestation.agreed_at.desc(), Attestation.id.desc())
    )
    renewals = await session.scalars(
        select(Renewal)
        .where(Renewal.member_id == member.id)
        .order_by(Renewal.created_at.desc(), Renewal.id.desc())
    )
    return MemberRecord(
        member,
        list(applications),
        list(attestations),
        list(renewals),
        await session.get(Standing, member.id),
    )


# --- profiles -----------------------------------------------------------------------

PROFILE_STATUSES = (MemberStatus.ACTIVE, MemberStatus.ALUMNI)


async def active_member(session: AsyncSession, user_id: int) -> Member:
    """The asker as a current member, or ``NotAllowed`` saying how to become one."""
    member = await member_by_user(session, user_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise NotAllowed(
            "That's for members of the Community of Practice. Use `/join` to apply; a "
            "coordinator reviews each application."
        )
    return member


async def profile_for(
    session: AsyncSession, viewer_id: int, target_id: int, *, viewer_is_coordinator: bool
) -> Member:
    """The profile ``viewer_id`` may see: their own always; members' and alumni's for
    members and coordinators."""
    if target_id == viewer_id:
        member = await member_by_user(session, viewer_id)
        if member is None or member.status is MemberStatus.ERASED or not member.display_name:
            raise NotFound(
                "You don't have a profile yet: it's made from your application. Use `/join` "
                "to apply."
            )
        return member
    if not viewer_is_coordinator:
        await active_member(session, viewer_id)
    member = await member_by_user(session, target_id)
    if member is None or member.status not in PROFILE_STATUSES:
        raise NotFound("They don't have a member profile. Only members and alumni have one.")
    return member


async def profile_owner(session: AsyncSession, user_id: int) -> Member:
    """The asker, if they have a profile they may edit (members and alumni)."""
    member = await member_by_user(session, user_id)
    if member is None or member.status not in PROFILE_STATUSES:
        raise NotAllowed(
            "Your profile is made when a coordinator approves your application. Use `/join` "
            "to apply (or, if you already have, wait for the decision)."
        )
    return member


async def edit_profile(
    session: AsyncSession,
    user_id: int,
    *,
    name: str,
    organisation: str,
    job_role: str,
    interests: str,
) -> Member:
    """Change your own name, organisation, role and interests."""
    member = await profile_owner(session, user_id)
    answers = Answers(name=name, organisation=organisation, job_role=job_role, interests=interests)
    problems = text_problems(answers, this_year=9999)
    if problems:
        raise InvalidInput(
            "Your profile wasn't changed:\n"
            + "\n".join(f"• {p}" for p in problems)
            + "\nRun `/profile edit` again; it opens with what you have now."
        )
    member.display_name = clean(name)
    member.organisation = clean(organisation)
    member.job_role = clean(job_role)
    member.interests = parse_interests(interests)
    await session.flush()
    return member
