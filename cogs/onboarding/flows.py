"""The Discord side of onboarding: review posts, the day-one welcome, decline notices,
arrival pointers, leavers, renewal prompts and lapses.

Each flow opens its own short transactions around the Discord calls: the database
decides (and records) first, then the bot acts, then records what it did. A flow that
stops half-way is finished by the sweep, never done twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.mentions import NO_PINGS, only_users
from bot.messaging import try_dm
from bot.models import Application, ApplicationStatus, Member
from bot.services.meetings import next_meeting
from bot.services.onboarding import lifecycle, renewals
from bot.services.onboarding.lifecycle import Decision, Verdict
from bot.services.onboarding.matching import Match, overlap
from bot.timeutil import show
from cogs.about import info_sheet_embed
from cogs.onboarding import render

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)


async def safe_dm(bot: CopBot, user_id: int, **kwargs: Any) -> bool:
    """DM someone; False when it can't be delivered (DMs closed, or no longer reachable)."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    try:
        return await try_dm(bot, user_id, **kwargs) is not None
    except discord.HTTPException as exc:
        log.warning("could not DM user %s (HTTP %s, code %s)", user_id, exc.status, exc.code)
        return False


async def guild_member(bot: CopBot, user_id: int) -> discord.Member | None:
    guild = bot.guild
    if guild is None:
        return None
    found = guild.get_member(user_id)
    if found is not None:
        return found
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        return None


async def tell_coordinators(bot: CopBot, text: str, **kwargs: Any) -> discord.Message | None:
    try:
        channel = await bot.text_channel(bot.config.channels.coordinators)
        return await channel.send(text, allowed_mentions=NO_PINGS, **kwargs)
    except discord.HTTPException:
        log.exception("could not post in the coordinators' channel")
        return None


# --- review -------------------------------------------------------------------------


def review_view(application_id: int) -> discord.ui.View:
    from cogs.onboarding.review import ReviewButton

    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton(application_id, "approve"))
    view.add_item(ReviewButton(application_id, "decline"))
    return view


async def post_review(bot: CopBot, application_id: int) -> discord.Message | None:
    """Post the application with its checks (and Approve/Decline while pending) in the
    coordinators' channel, and remember the post."""
    async with bot.db.transaction() as session:
        application = await lifecycle.get_application(session, application_id)
        member = await session.get(Member, application.member_id)
        assert member is not None
        embed = render.review_embed(application, member, bot.config)
        pending = application.status is ApplicationStatus.PENDING
    if pending:
        intro = "New application to join"
    elif application.auto_approved:
        intro = "Approved automatically, as every rule was met"
    else:
        intro = "Application (already decided)"
    try:
        channel = await bot.text_channel(bot.config.channels.coordinators)
        message = await channel.send(
            f"{intro}: <@{application.user_id}>",
            embed=embed,
            view=review_view(application_id) if pending else discord.utils.MISSING,
            allowed_mentions=NO_PINGS,
        )
    except discord.HTTPException:
        log.exception("could not post application #%s for review", application_id)
        return None
    async with bot.db.transaction() as session:
        await lifecycle.set_review_post(session, application_id, message.channel.id, message.id)
    return message


async def after_submit(bot: CopBot, application_id: int) -> None:
    """A new application: approve it at once when config says so and every rule is met;
    either way, coordinators see it."""
    config = bot.config
    async with bot.db.transaction() as session:
        application = await lifecycle.get_application(session, application_id)
        auto = config.onboarding.auto_approve and application.all_met
    if auto:
        async with bot.db.transaction() as session:
            await lifecycle.decide(
                session,
                application_id,
                Verdict.APPROVE,
                by_user_id=None,
                config=config,
                now=bot.clock(),
            )
        await post_review(bot, application_id)
        await welcome_new_member(bot, application_id)
    else:
        await post_review(bot, application_id)


async def refresh_review_post(bot: CopBot, application: Application, member: Member) -> None:
    """Show the decision on the review post and take its buttons away (used when the
    decision did not come from pressing them)."""
    if not (application.review_channel_id and application.review_message_id):
        return
    try:
        channel = await bot.text_channel(application.review_channel_id)
        message = channel.get_partial_message(application.review_message_id)  # type: ignore[attr-defined]
        await message.edit(
            embed=render.review_embed(application, member, bot.config),
            view=None,
            allowed_mentions=NO_PINGS,
        )
    except discord.HTTPException:
        log.warning("could not update the review post of application #%s", application.id)


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


async def welcome_new_member(bot: CopBot, application_id: int) -> WelcomeReport:
    """The day-one welcome, once per approval: the member role, the introduction card in
    the welcome channel naming people to meet first, and the info sheet by DM."""
    config = bot.config
    report = WelcomeReport()
    async with bot.db.transaction() as session:
        now = bot.clock()
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
        meeting_card = render.meeting_embed(meeting) if meeting is not None else None

    target = await guild_member(bot, member.user_id)
    if target is None:
        report.in_server = False
        return report
    try:
        await target.add_roles(
            discord.Object(config.roles.member), reason=f"Application #{application_id} approved"
        )
        report.role_granted = True
        if config.roles.alumni is not None and any(
            r.id == config.roles.alumni for r in target.roles
        ):
            await target.remove_roles(discord.Object(config.roles.alumni), reason="Member again")
    except discord.HTTPException as exc:
        log.error("could not grant the member role to %s: HTTP %s", member.user_id, exc.status)
        report.problems.append(
            "I couldn't grant the member role: check that the bot's role is above it and has "
            "Manage Roles, then grant it by hand."
        )

    intro_id: int | None = None
    try:
        channel = await bot.text_channel(config.channels.welcome)
        intro = await channel.send(
            render.intro_content(member, matches),
            embed=render.intro_embed(member),
            allowed_mentions=only_users([member.user_id, *(m.member.user_id for m in matches)]),
        )
        intro_id = intro.id
        report.intro_posted = True
    except discord.HTTPException:
        log.exception("could not post the introduction for application #%s", application_id)
        report.problems.append("I couldn't post the introduction in the welcome channel.")

    embeds = [info_sheet_embed(config, join_hint=False)]
    if meeting_card is not None:
        embeds.append(meeting_card)
    report.dm_sent = await safe_dm(
        bot, member.user_id, content=render.welcome_dm_text(member, matches, config), embeds=embeds
    )
    async with bot.db.transaction() as session:
        await lifecycle.mark_welcomed(session, application_id, bot.clock(), intro_id)
    return report


async def tell_declined(bot: CopBot, decision: Decision) -> bool:
    """Tell the applicant the reason and how to apply again. False if they couldn't be told."""
    return await safe_dm(
        bot,
        decision.application.user_id,
        content=render.decline_dm_text(decision.application, bot.config),
    )


# --- arrivals and leavers -----------------------------------------------------------


async def welcome_arrival(bot: CopBot, user: discord.abc.User) -> str | None:
    """Point a newcomer to /join, once: by DM, or in the welcome channel when their DMs
    are closed. Never grants a role. Returns how they were told, or None if they had
    already been."""
    async with bot.db.transaction() as session:
        claimed = await lifecycle.claim_welcome(
            session, user.id, user.display_name, bot.clock(), via="dm"
        )
    if claimed is None:
        return None
    if await safe_dm(bot, user.id, content=render.arrival_dm_text(bot.config, user.display_name)):
        return "dm"
    try:
        channel = await bot.text_channel(bot.config.channels.welcome)
        await channel.send(
            render.arrival_channel_text(user.id), allowed_mentions=only_users([user.id])
        )
    except discord.HTTPException:
        log.exception("could not post the arrival pointer for %s", user.id)
        return None
    async with bot.db.transaction() as session:
        await lifecycle.set_welcome_via(session, claimed.id, "channel")
    return "channel"


async def handle_departure(bot: CopBot, user_id: int) -> None:
    """Someone left the server: LEFT, out of the rotation; coordinators told when it
    matters (a member, or an application waiting for them)."""
    async with bot.db.transaction() as session:
        departure = await lifecycle.record_departure(session, user_id, bot.clock())
    if departure is None:
        return
    name = render.safe(departure.member.display_name, 100) or f"<@{user_id}>"
    if departure.was_active:
        await tell_coordinators(
            bot,
            f"👋 {name} (<@{user_id}>) left the server, so they've left the Community of "
            "Practice and the facilitation rotation.",
        )
    if departure.open_application is not None:
        await tell_coordinators(
            bot,
            f"{name} (<@{user_id}>) left the server while application "
            f"#{departure.open_application.id} was waiting. You can still decide it; the "
            "decision is recorded.",
        )
        async with bot.db.transaction() as session:
            application = await lifecycle.get_application(session, departure.open_application.id)
            member = await session.get(Member, application.member_id)
            assert member is not None
        if application.review_message_id and application.review_channel_id:
            try:
                channel = await bot.text_channel(application.review_channel_id)
                message = channel.get_partial_message(application.review_message_id)  # type: ignore[attr-defined]
                await message.edit(
                    embed=render.review_embed(application, member, bot.config),
                    allowed_mentions=NO_PINGS,
                )
            except discord.HTTPException:
                log.warning("could not mark application #%s as left", application.id)


# --- renewal ------------------------------------------------------------------------


def renewal_view(renewal_id: int) -> discord.ui.View:
    from cogs.onboarding.review import RenewalButton

    view = discord.ui.View(timeout=None)
    view.add_item(RenewalButton(renewal_id, "yes"))
    view.add_item(RenewalButton(renewal_id, "no"))
    return view


async def deliver_renewal_prompts(bot: CopBot) -> int:
    """Send every renewal prompt not yet delivered; the grace period starts on delivery."""
    config = bot.config
    async with bot.db.transaction() as session:
        prompts = await renewals.prompts_to_deliver(session)
    sent = 0
    for prompt in prompts:
        now = bot.clock()
        deadline = now + timedelta(days=config.onboarding.renewal_grace_days)
        embed = render.renewal_embed(config, prompt.renewal.reason.value, deadline)
        view = renewal_view(prompt.renewal.id)
        via = "dm"
        if not await safe_dm(bot, prompt.member.user_id, embed=embed, view=view):
            via = "channel"
            try:
                channel = await bot.text_channel(config.channels.welcome)
                await channel.send(
                    f"<@{prompt.member.user_id}>, I couldn't DM you: please renew your "
                    "membership of the Community of Practice here.",
                    embed=embed,
                    view=view,
                    allowed_mentions=only_users([prompt.member.user_id]),
                )
            except discord.HTTPException:
                log.exception("could not deliver renewal #%s", prompt.renewal.id)
                continue
        async with bot.db.transaction() as session:
            await renewals.mark_notified(session, prompt.renewal.id, via, config, now)
        sent += 1
    return sent


async def make_alumni(bot: CopBot, user_id: int, reason: str) -> list[str]:
    """Swap the member role for the alumni role (if configured). Returns problems."""
    config = bot.config
    target = await guild_member(bot, user_id)
    if target is None:
        return []
    problems = []
    try:
        await target.remove_roles(discord.Object(config.roles.member), reason=reason)
        if config.roles.alumni is not None:
            await target.add_roles(discord.Object(config.roles.alumni), reason=reason)
    except discord.HTTPException as exc:
        log.error("could not change roles of %s: HTTP %s", user_id, exc.status)
        problems.append("I couldn't change their roles; please do it by hand.")
    return problems


async def lapse_overdue(bot: CopBot) -> int:
    """Members who didn't answer in time become alumni; coordinators are told."""
    async with bot.db.transaction() as session:
        lapses = await renewals.lapse_overdue(session, bot.clock())
    for lapse in lapses:
        member = lapse.member
        problems = await make_alumni(bot, member.user_id, "Membership lapsed (no renewal answer)")
        asked = lapse.renewal.notified_at
        asked_text = f" asked {show(asked, 'D')}" if asked else ""
        alumni = "now have the alumni role and" if bot.config.roles.alumni else "now"
        await tell_coordinators(
            bot,
            f"⏳ Membership lapsed: {render.safe(member.display_name, 100)} (<@{member.user_id}>) "
            f"didn't answer the renewal{asked_text}. They {alumni} are out of the facilitation "
            "rotation." + "".join(f" {p}" for p in problems),
        )
        await safe_dm(
            bot,
            member.user_id,
            content=(
                f"Your membership of **{bot.config.community.name}** has lapsed, as the "
                "renewal wasn't answered in time. You're welcome back any time: use `/join` "
                "in the server."
            ),
        )
        async with bot.db.transaction() as session:
            await renewals.mark_coordinators_told(session, lapse.renewal.id, bot.clock())
    return len(lapses)
