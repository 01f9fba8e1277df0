"""Onboarding's flows that reach Discord: review posts, the day-one welcome, decline
notices, arrival pointers, leavers, renewal prompts and lapses.

Each flow opens its own short transactions around what it sends: the database decides
(and records) first, then the port acts, then the flow records what was done. A flow that
stops half-way is finished by the sweep, never done twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.config import AppConfig
from bot.models import (
    Application,
    ApplicationStatus,
    Member,
    OutboundItem,
    Renewal,
    RenewalOutcome,
)
from bot.services import outbound
from bot.services.onboarding import lifecycle, renewals
from bot.services.onboarding.lifecycle import Decision, Verdict
from bot.services.onboarding.matching import Match, overlap
from bot.services.onboarding.outreach import Outreach, Texts
from bot.services.rotation import next_meeting

log = logging.getLogger(__name__)


async def tell_coordinators(out: Outreach, message: port.Message) -> port.Sent | None:
    try:
        return await out.port.post(out.config.channels.coordinators, message)
    except port.PortError as exc:
        log.error("could not post in the coordinators' channel: %s", exc.detail)
        return None


async def dm(out: Outreach, user_id: int, message: port.Message) -> bool:
    """DM someone; False when it could not be delivered (logged, never with its text)."""
    try:
        await out.port.dm(user_id, message)
    except port.PortError as exc:
        log.info("could not DM user %s: %s", user_id, exc.detail)
        return False
    return True


def review_intro(application: Application) -> str:
    if application.status is ApplicationStatus.PENDING:
        return "New application to join"
    if application.auto_approved:
        return "Approved automatically, as every rule was met"
    return "Application (already decided)"


# --- review -------------------------------------------------------------------------


async def post_review(out: Outreach, application_id: int) -> port.Sent | None:
    """Post the application with its checks (and Approve/Decline while pending) in the
    coordinators' channel, and remember the post."""
    async with out.db.transaction() as session:
        application = await lifecycle.get_application(session, application_id)
        member = await session.get(Member, application.member_id)
        assert member is not None
        message = out.texts.review(application, member, review_intro(application))
    try:
        posted = await out.port.post(out.config.channels.coordinators, message)
    except port.PortError as exc:
        log.error("could not post application #%s for review: %s", application_id, exc.detail)
        return None
    async with out.db.transaction() as session:
        await lifecycle.set_review_post(
            session, application_id, posted.channel_id, posted.message_id
        )
    return posted


async def after_submit(out: Outreach, application_id: int) -> None:
    """A new application: approve it at once when config says so and every rule is met;
    either way, coordinators see it."""
    async with out.db.transaction() as session:
        application = await lifecycle.get_application(session, application_id)
        auto = out.config.onboarding.auto_approve and application.all_met
    if auto:
        async with out.db.transaction() as session:
            await lifecycle.decide(
                session,
                application_id,
                Verdict.APPROVE,
                by_user_id=None,
                config=out.config,
                now=out.clock(),
            )
        await post_review(out, application_id)
        await welcome_new_member(out, application_id)
    else:
        await post_review(out, application_id)


async def refresh_review_post(out: Outreach, application_id: int) -> None:
    """Show the current state on the review post (the decision, or that they left) and
    take its buttons away once decided."""
    async with out.db.transaction() as session:
        application = await lifecycle.get_application(session, application_id)
        member = await session.get(Member, application.member_id)
        assert member is not None
        if not (application.review_channel_id and application.review_message_id):
            return
        where = (application.review_channel_id, application.review_message_id)
        message = out.texts.review(application, member, review_intro(application))
    try:
        await out.port.edit(where[0], where[1], message)
    except port.PortError as exc:
        log.warning(
            "could not update the review post of application #%s: %s", application_id, exc.detail
        )


# --- approval -----------------------------------------------------------------------


@dataclass
class WelcomeReport:
    """What the welcome managed, for the coordinator who approved."""

    in_server: bool = True
    role_granted: bool = False
    intro_posted: bool = False
    dm_sent: bool = False
    already: bool = False
    problems: list[str] = field(default_factory=list)

    def sentence(self, name: str) -> str:
        if self.already:
            return f"{name} was already welcomed."
        if not self.in_server:
            return (
                f"Approved and recorded. {name} has left the server, so no role, introduction "
                "or DM was sent."
            )
        done = ["Approved"]
        if self.role_granted:
            done.append("member role granted")
        if self.intro_posted:
            done.append("introduction posted")
        if self.dm_sent:
            done.append("info sheet sent by DM")
        text = ", ".join(done) + "."
        if not self.dm_sent:
            text += f" {name}'s DMs are closed, so they didn't get the info sheet."
        for problem in self.problems:
            text += f" {problem}"
        return text


async def welcome_new_member(out: Outreach, application_id: int) -> WelcomeReport:
    """The day-one welcome, once per approval: the member role, the introduction card in
    the welcome channel naming people to meet first, and the info sheet by DM."""
    config = out.config
    report = WelcomeReport()
    async with out.db.transaction() as session:
        now = out.clock()
        application = await lifecycle.get_application(session, application_id)
        member = await session.get(Member, application.member_id)
        assert member is not None
        if not member.in_guild or not member.is_active:
            report.in_server = False
            return report
        if not await lifecycle.claim_welcome_after_approval(session, application_id, now):
            report.already = True
            return report
        people = await lifecycle.members_by_ids(session, list(application.meet_first))
        matches = [
            Match(p, found.score, found.shared)
            for p in people
            if (found := overlap(member.interests, p.interests))
        ]
        meeting = await next_meeting(session, now)
        introduction = out.texts.introduction(member, matches)
        welcome = out.texts.welcome_dm(member, matches, meeting)

    try:
        target = await out.port.member(member.user_id)
    except port.PortError as exc:
        log.warning("could not look up %s: %s", member.user_id, exc.detail)
        target = port.MemberInfo(member.user_id, "")
    if target is None:
        report.in_server = False
        return report
    try:
        await out.port.add_role(
            member.user_id, config.roles.member, reason=f"Application #{application_id} approved"
        )
        report.role_granted = True
        if config.roles.alumni is not None and config.roles.alumni in target.role_ids:
            await out.port.remove_role(member.user_id, config.roles.alumni, reason="Member again")
    except port.PortError as exc:
        log.error("could not grant the member role to %s: %s", member.user_id, exc.detail)
        report.problems.append(
            "I couldn't grant the member role: check that the bot's role is above it and has "
            "Manage Roles, then grant it by hand."
        )
    posted: port.Sent | None = None
    try:
        posted = await out.port.post(config.channels.welcome, introduction)
        report.intro_posted = True
    except port.PortError as exc:
        log.error(
            "could not post the introduction for application #%s: %s", application_id, exc.detail
        )
        report.problems.append("I couldn't post the introduction in the welcome channel.")
    report.dm_sent = await dm(out, member.user_id, welcome)
    async with out.db.transaction() as session:
        await lifecycle.mark_welcomed(
            session, application_id, out.clock(), posted.message_id if posted else None
        )
    return report


async def tell_declined(out: Outreach, decision: Decision) -> bool:
    """Tell the applicant the reason and how to apply again. False if they couldn't be told."""
    return await dm(out, decision.application.user_id, out.texts.decline_dm(decision.application))


# --- arrivals and leavers -----------------------------------------------------------


async def welcome_arrival(out: Outreach, user_id: int, display_name: str) -> str | None:
    """Point a newcomer to /join, once: by DM, or in the welcome channel when their DMs
    are closed. Never grants a role. Returns how they were told, or None if they had
    already been (or could not be told)."""
    async with out.db.transaction() as session:
        claimed = await lifecycle.claim_welcome(
            session, user_id, display_name, out.clock(), via="dm"
        )
    if claimed is None:
        return None
    try:
        await out.port.dm(user_id, out.texts.arrival_dm(display_name))
        return "dm"
    except port.Gone:
        return None
    except port.PortError as exc:
        log.info("could not DM the arrival pointer to %s: %s", user_id, exc.detail)
    try:
        await out.port.post(out.config.channels.welcome, out.texts.arrival_in_channel(user_id))
    except port.PortError as exc:
        log.error("could not post the arrival pointer for %s: %s", user_id, exc.detail)
        return None
    async with out.db.transaction() as session:
        await lifecycle.set_welcome_via(session, claimed.id, "channel")
    return "channel"


async def handle_departure(out: Outreach, user_id: int) -> bool:
    """Someone left the server: LEFT, out of the rotation; coordinators told when it
    matters (a member, or an application waiting for them). False when there was nothing
    to record."""
    async with out.db.transaction() as session:
        departure = await lifecycle.record_departure(session, user_id, out.clock())
        if departure is None:
            return False
        left = out.texts.member_left(departure.member) if departure.was_active else None
        waiting = (
            out.texts.left_while_pending(departure.member, departure.open_application.id)
            if departure.open_application is not None
            else None
        )
    if left is not None:
        await tell_coordinators(out, left)
    if waiting is not None and departure.open_application is not None:
        await tell_coordinators(out, waiting)
        await refresh_review_post(out, departure.open_application.id)
    return True


# --- renewal ------------------------------------------------------------------------


RENEWAL_TEMPLATE = "onboarding.renewal"


def renewal_key(renewal_id: int) -> str:
    return f"onb-renewal-{renewal_id}"


async def deliver_renewal_prompts(out: Outreach) -> int:
    """Queue every renewal prompt not yet sent on the outbound path (paced, once, after
    the member's quiet hours); the grace period starts now. Returns how many."""
    config = out.config
    async with out.db.transaction() as session:
        now = out.clock()
        prompts = await renewals.prompts_to_deliver(session)
        for prompt in prompts:
            await outbound.enqueue(
                session,
                now,
                kind=outbound.Kind.RENEWAL_PROMPT,
                key=renewal_key(prompt.renewal.id),
                user_id=prompt.member.user_id,
                template=RENEWAL_TEMPLATE,
                params={"renewal_id": prompt.renewal.id},
            )
            await renewals.mark_notified(session, prompt.renewal.id, "dm", config, now)
    if prompts:
        out.wake_outbox()
    return len(prompts)


async def render_renewal_prompt(
    session: AsyncSession, item: outbound.Rendering, texts: Texts, config: AppConfig
) -> port.Message | None:
    """The renewal DM, written when the outbound path sends it; None once answered."""
    renewal = await session.get(Renewal, item.params.get("renewal_id"))
    if renewal is None or renewal.outcome is not RenewalOutcome.OPEN:
        return None
    deadline = renewal.deadline_at or item.now + timedelta(
        days=config.onboarding.renewal_grace_days
    )
    return texts.renewal_prompt(renewal.id, renewal.reason.value, deadline, None)


async def prompt_in_channel_when_dms_closed(out: Outreach) -> int:
    """Renewal prompts the outbound path could not deliver (DMs closed): asked in the
    welcome channel instead, once. Returns how many."""
    config = out.config
    async with out.db.transaction() as session:
        prompts = await renewals.open_renewals_prompted_by_dm(session)
        keys = {renewal_key(p.renewal.id): p for p in prompts}
        failed = (
            set(
                await session.scalars(
                    select(OutboundItem.key).where(
                        OutboundItem.key.in_(list(keys)),
                        OutboundItem.status == outbound.Status.FAILED,
                    )
                )
            )
            if keys
            else set()
        )
    posted = 0
    for key in sorted(failed):
        prompt = keys[key]
        now = out.clock()
        deadline = now + timedelta(days=config.onboarding.renewal_grace_days)
        user_id = prompt.member.user_id
        message = out.texts.renewal_prompt(
            prompt.renewal.id, prompt.renewal.reason.value, deadline, user_id
        )
        try:
            await out.port.post(config.channels.welcome, message)
        except port.PortError as exc:
            log.error("could not post renewal #%s: %s", prompt.renewal.id, exc.detail)
            continue
        async with out.db.transaction() as session:
            await renewals.mark_prompted_in_channel(session, prompt.renewal.id, config, now)
        posted += 1
    return posted


async def make_alumni(out: Outreach, user_id: int, reason: str) -> list[str]:
    """Swap the member role for the alumni role (if configured). Returns problems."""
    roles = out.config.roles
    try:
        if await out.port.member(user_id) is None:
            return []
        await out.port.remove_role(user_id, roles.member, reason=reason)
        if roles.alumni is not None:
            await out.port.add_role(user_id, roles.alumni, reason=reason)
    except port.PortError as exc:
        log.error("could not change the roles of %s: %s", user_id, exc.detail)
        return ["I couldn't change their roles; please do it by hand."]
    return []


async def stepped_back(out: Outreach, member: Member) -> None:
    """A member answered a renewal by stepping back: roles, and coordinators told."""
    problems = await make_alumni(out, member.user_id, "Stepped back at renewal")
    await tell_coordinators(out, out.texts.stepped_back(member, problems))


async def lapse_overdue(out: Outreach) -> int:
    """Members who didn't answer in time become alumni; coordinators are told."""
    async with out.db.transaction() as session:
        lapses = await renewals.lapse_overdue(session, out.clock())
    for lapse in lapses:
        member = lapse.member
        problems = await make_alumni(out, member.user_id, "Membership lapsed (no renewal answer)")
        await tell_coordinators(out, out.texts.lapsed(member, lapse.renewal.notified_at, problems))
        await dm(out, member.user_id, out.texts.lapsed_dm())
        async with out.db.transaction() as session:
            await renewals.mark_coordinators_told(session, lapse.renewal.id, out.clock())
    return len(lapses)
