"""Embeds and texts for onboarding. Pure functions of the records and the config.

Text a person typed is shown with mentions escaped, and every post that carries it is
sent with ``allowed_mentions`` that can ping only the people named on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

import discord

from bot import port
from bot.config import AppConfig
from bot.models import Application, ApplicationStatus, Meeting, Member, MemberStatus
from bot.services.onboarding import forms
from bot.services.onboarding.lifecycle import MemberRecord, PendingPage
from bot.services.onboarding.matching import Match
from bot.services.outbound import Progress
from bot.timeutil import show
from cogs.about import info_sheet_embed

COLOUR = discord.Colour.teal()
ATTENTION = discord.Colour.orange()
APPROVED = discord.Colour.green()
DECLINED = discord.Colour.dark_grey()

ICONS = {forms.Outcome.MET: "✅", forms.Outcome.REVIEW: "⚠️", forms.Outcome.UNMET: "❌"}
NOT_SET = "*not given*"


def safe(text: str, limit: int = 1000) -> str:
    """Typed text made safe to display: mentions and markdown defused, length capped."""
    text = discord.utils.escape_markdown(discord.utils.escape_mentions(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(value: str) -> str:
    return value[:1024] if value else NOT_SET


def rule_title(config: AppConfig, rule: int) -> str:
    rules = config.community.rules
    return rules[rule - 1] if rule <= len(rules) else f"Rule {rule}"


def check_lines(checks: Sequence[forms.Check], config: AppConfig, *, with_remedy: bool) -> str:
    lines = []
    for check in checks:
        line = f"{ICONS[check.outcome]} **{check.rule}. {rule_title(config, check.rule)}** "
        line += safe(check.detail, 300)
        if with_remedy and check.remedy:
            line += f"\n   ↳ {safe(check.remedy, 400)}"
        lines.append(line)
    return "\n".join(lines)


def where_text(locality: str, note: str) -> str:
    if locality == forms.ELSEWHERE:
        return f"Elsewhere: {safe(note, 200)}" if note else "Elsewhere (not said where yet)"
    return safe(locality, 100) if locality else ""


def course_text(course: str, note: str, year: str | int | None = None) -> str:
    year_text = f" ({year})" if year else ""
    if course == forms.OTHER_COURSE:
        return f"Other: {safe(note, 200)}{year_text}" if note else "Other training (not said which)"
    if course == forms.NO_COURSE:
        return "None yet"
    return f"{safe(course, 100)}{year_text}" if course else ""


def interests_text(tags: Sequence[str]) -> str:
    return ", ".join(safe(t, 60) for t in tags)


# --- the /join form ----------------------------------------------------------------


def form_embed(
    answers: forms.Answers,
    config: AppConfig,
    checks: Sequence[forms.Check] | None,
    problems: Sequence[str] = (),
) -> discord.Embed:
    onboarding = config.onboarding
    intro = (
        "Choose where you work and your partnering training in the menus, agree to the two "
        "commitments, then press **Send application**. Your answers are saved as you go: "
        "**Edit my answers** changes what you typed without starting again."
    )
    commitments = (
        f"**Sharing facilitation (rule 3)**\n{onboarding.facilitation_text}\n\n"
        f"**Confidentiality pledge, version {onboarding.pledge_version} (rule 4)**\n"
        + "\n".join(f"> {line}" for line in onboarding.pledge_text.splitlines() or [""])
    )
    embed = discord.Embed(
        title=f"Join {config.community.name}"[:256],
        description=f"{intro}\n\n{commitments}"[:4096],
        colour=ATTENTION if problems else COLOUR,
    )
    if problems:
        embed.add_field(
            name="⚠️ Please fix",
            value="\n".join(f"• {p}" for p in problems)[:1024],
            inline=False,
        )
    typed = [
        f"**Name:** {safe(forms.clean(answers.name), 100) or NOT_SET}",
        f"**Organisation:** {safe(forms.clean(answers.organisation), 200) or NOT_SET}",
        f"**Role:** {safe(forms.clean(answers.job_role), 200) or NOT_SET}",
        f"**Interests:** {safe(answers.interests.strip(), 400) or NOT_SET}",
        f"**Training year:** {safe(answers.training_year.strip(), 20) or NOT_SET}",
    ]
    embed.add_field(name="Your answers", value="\n".join(typed)[:1024], inline=False)
    embed.add_field(
        name="Where you work",
        value=where_text(answers.locality, answers.locality_note) or "👉 choose in the first menu",
        inline=True,
    )
    embed.add_field(
        name="Partnering training",
        value=course_text(answers.course, answers.course_note) or "👉 choose in the second menu",
        inline=True,
    )
    pledge_ok = answers.agreed_pledge and answers.pledge_version == onboarding.pledge_version
    agreed = [
        ("✅ Agreed" if answers.agreed_facilitation else "👉 Not yet agreed")
        + " to share facilitation",
        ("✅ Agreed" if pledge_ok else "👉 Not yet agreed")
        + f" to the pledge (version {onboarding.pledge_version})",
    ]
    embed.add_field(name="Commitments", value="\n".join(agreed), inline=False)
    if checks is not None:
        embed.add_field(
            name="The membership checks", value=check_lines(checks, config, with_remedy=True)[:1024]
        )
    return embed


def submitted_embed(application: Application, config: AppConfig) -> discord.Embed:
    checks = [forms.Check.from_json(c) for c in application.checks]
    if application.all_met:
        summary = (
            "Every membership rule is met. A coordinator will review your application; "
            "you'll get a DM with the decision."
        )
    else:
        summary = (
            "Some rules aren't met yet (below, with what would meet them). Your application "
            "is recorded all the same, so a coordinator can make an exception; you'll get a "
            "DM with the decision."
        )
    embed = discord.Embed(
        title="Application sent",
        description=summary,
        colour=APPROVED if application.all_met else ATTENTION,
    )
    embed.add_field(
        name="The membership checks",
        value=check_lines(checks, config, with_remedy=True)[:1024],
        inline=False,
    )
    embed.set_footer(text=f"Application #{application.id}")
    return embed


# --- review -------------------------------------------------------------------------


def review_embed(
    application: Application, member: Member, config: AppConfig, *, mention: bool = True
) -> discord.Embed:
    checks = [forms.Check.from_json(c) for c in application.checks]
    unmet = sum(1 for c in checks if not c.met)
    who = f"<@{application.user_id}>" if mention else safe(application.display_name)
    embed = discord.Embed(
        title=f"Application #{application.id}: {safe(application.display_name, 200)}"[:256],
        description=f"{who} applied {show(application.submitted_at, 'R')}.",
        colour=APPROVED if application.all_met else ATTENTION,
    )
    embed.add_field(name="Organisation", value=_field(safe(application.organisation)))
    embed.add_field(name="Role", value=_field(safe(application.job_role)))
    embed.add_field(
        name="Where they work",
        value=_field(where_text(application.locality, application.locality_note)),
    )
    embed.add_field(
        name="Partnering training",
        value=_field(
            course_text(application.course, application.course_note, application.training_year)
        ),
    )
    embed.add_field(
        name="Interests", value=_field(interests_text(application.interests)), inline=False
    )
    embed.add_field(
        name="Checks",
        value=check_lines(checks, config, with_remedy=False)[:1024] or NOT_SET,
        inline=False,
    )
    if application.status is ApplicationStatus.PENDING:
        if not member.in_guild:
            embed.add_field(
                name="⚠️ They left the server",
                value="You can still decide; the decision is recorded.",
                inline=False,
            )
        embed.set_footer(
            text="Every rule is met."
            if unmet == 0
            else f"{unmet} rule{'s' if unmet != 1 else ''} not met: your judgement is needed."
        )
    else:
        embed.add_field(name="Decision", value=decision_text(application), inline=False)
        embed.colour = APPROVED if application.status is ApplicationStatus.APPROVED else DECLINED
    return embed


def decision_text(application: Application) -> str:
    when = show(application.decided_at, "f") if application.decided_at else ""
    if application.status is ApplicationStatus.APPROVED:
        who = (
            "automatically (every rule met)"
            if application.auto_approved
            else (f"by <@{application.decided_by}>")
        )
        return f"✅ Approved {who} {when}"
    if application.status is ApplicationStatus.DECLINED:
        return (
            f"Declined by <@{application.decided_by}> {when}\n"
            f"**Reason:** {safe(application.decline_reason, 900)}"
        )
    return "Waiting for a coordinator"


def pending_embed(page: PendingPage, config: AppConfig) -> discord.Embed:
    if not page.total:
        return discord.Embed(
            title="Open applications",
            description="There are no open applications. New ones are posted in "
            f"<#{config.channels.coordinators}> as they arrive.",
            colour=COLOUR,
        )
    lines = []
    for app in page.applications:
        checks = [forms.Check.from_json(c) for c in app.checks]
        met = sum(1 for c in checks if c.met)
        link = ""
        if app.review_channel_id and app.review_message_id:
            link = (
                f" · [review](https://discord.com/channels/{config.discord.guild_id}/"
                f"{app.review_channel_id}/{app.review_message_id})"
            )
        lines.append(
            f"**#{app.id}** <@{app.user_id}> {safe(app.display_name, 80)}, "
            f"{safe(app.organisation, 80)} · {met}/{len(checks)} rules met · "
            f"sent {show(app.submitted_at, 'R')}{link}"
        )
    if page.total > len(page.applications):
        lines.append(f"…and {page.total - len(page.applications)} more.")
    return discord.Embed(
        title=f"Open applications ({page.total})",
        description="\n".join(lines)[:4096],
        colour=COLOUR,
    )


STATUS_WORDS = {
    MemberStatus.APPLICANT: "in the server, not a member yet",
    MemberStatus.ACTIVE: "member",
    MemberStatus.DECLINED: "application declined",
    MemberStatus.ALUMNI: "alumni",
    MemberStatus.LEFT: "left the server",
    MemberStatus.ERASED: "data erased at their request",
}


def record_embed(record: MemberRecord, config: AppConfig) -> discord.Embed:
    member = record.member
    embed = profile_embed(member, title_prefix="Record: ")
    embed.description = f"<@{member.user_id}> · **{STATUS_WORDS[member.status]}**"
    embed.add_field(name="First seen", value=show(member.first_seen_at, "D"))
    if member.left_at and not member.in_guild:
        embed.add_field(name="Left", value=show(member.left_at, "D"))
    if record.standing and record.standing.welcomed_at:
        how = "by DM" if record.standing.welcomed_via == "dm" else "in the welcome channel"
        embed.add_field(
            name="Welcome pointer", value=f"{show(record.standing.welcomed_at, 'D')} {how}"
        )
    if record.applications:
        latest = record.applications[0]
        checks = [forms.Check.from_json(c) for c in latest.checks]
        embed.add_field(
            name=f"Application #{latest.id} ({latest.status.value}), sent "
            f"{latest.submitted_at:%Y-%m-%d}",
            value=(
                check_lines(checks, config, with_remedy=False)
                + "\n"
                + course_text(latest.course, latest.course_note, latest.training_year)
                + "\n"
                + decision_text(latest)
            )[:1024],
            inline=False,
        )
        if len(record.applications) > 1:
            earlier = ", ".join(
                f"#{a.id} {a.status.value} {a.submitted_at:%Y-%m-%d}"
                for a in record.applications[1:6]
            )
            embed.add_field(name="Earlier applications", value=earlier[:1024], inline=False)
    if record.attestations:
        lines = [
            f"{a.kind}: rules v{safe(a.rules_version, 20)}, pledge v{safe(a.pledge_version, 20)}, "
            f"{show(a.agreed_at, 'D')}"
            + (f", approved by <@{a.approved_by}>" if a.approved_by else "")
            for a in record.attestations[:5]
        ]
        embed.add_field(name="Attestations", value="\n".join(lines)[:1024], inline=False)
    if record.standing and record.standing.renewal_anchor_at and member.is_active:
        due = record.standing.renewal_anchor_at.timestamp() + config.onboarding.renewal_days * 86400
        embed.add_field(name="Next renewal", value=f"<t:{int(due)}:D>")
    open_renewal = next((r for r in record.renewals if r.outcome.value == "open"), None)
    if open_renewal is not None:
        value = "asked, waiting for an answer"
        if open_renewal.deadline_at:
            value += f"; lapses {show(open_renewal.deadline_at, 'R')}"
        embed.add_field(name="Renewal", value=value)
    return embed


# --- members ------------------------------------------------------------------------


def profile_embed(member: Member, *, title_prefix: str = "") -> discord.Embed:
    embed = discord.Embed(
        title=f"{title_prefix}{safe(member.display_name, 200) or 'Unnamed'}"[:256], colour=COLOUR
    )
    embed.add_field(name="Organisation", value=_field(safe(member.organisation)))
    embed.add_field(name="Role", value=_field(safe(member.job_role)))
    embed.add_field(
        name="Where they work", value=_field(where_text(member.locality, member.locality_note))
    )
    embed.add_field(name="Interests", value=_field(interests_text(member.interests)), inline=False)
    if member.joined_at and member.status in (MemberStatus.ACTIVE, MemberStatus.ALUMNI):
        embed.add_field(name="Member since", value=show(member.joined_at, "D"))
    if member.status is MemberStatus.ALUMNI:
        embed.add_field(name="Status", value="alumni")
    return embed


def meet_first_line(matches: Sequence[Match]) -> str:
    parts = []
    for m in matches:
        shared = ", ".join(safe(t, 40) for t in m.shared[:3])
        parts.append(f"<@{m.member.user_id}> ({shared})" if shared else f"<@{m.member.user_id}>")
    return ", ".join(parts)


def intro_content(newcomer: Member, matches: Sequence[Match]) -> str:
    text = f"Please welcome <@{newcomer.user_id}> to the Community of Practice! 👋"
    if matches:
        text += (
            f"\n**People to meet first**, who share their interests: {meet_first_line(matches)}."
            " Say hello!"
        )
    else:
        text += "\nNo one lists the same interests yet: say hello, and tell us what you care about!"
    return text


def intro_embed(newcomer: Member) -> discord.Embed:
    embed = discord.Embed(title=f"Meet {safe(newcomer.display_name, 200)}"[:256], colour=APPROVED)
    embed.add_field(name="Organisation", value=_field(safe(newcomer.organisation)))
    embed.add_field(name="Role", value=_field(safe(newcomer.job_role)))
    embed.add_field(
        name="Works in", value=_field(where_text(newcomer.locality, newcomer.locality_note))
    )
    embed.add_field(
        name="Interests", value=_field(interests_text(newcomer.interests)), inline=False
    )
    return embed


def meeting_embed(meeting: Meeting) -> discord.Embed:
    title = safe(meeting.title, 200) if meeting.title else "Our next meeting"
    lines = [f"**When:** {show(meeting.starts_at, 'F')} ({show(meeting.starts_at, 'R')})"]
    if meeting.place:
        lines.append(f"**Where:** {safe(meeting.place, 500)}")
    return discord.Embed(
        title=f"Next meeting: {title}"[:256], description="\n".join(lines), colour=COLOUR
    )


def welcome_dm_text(member: Member, matches: Sequence[Match], config: AppConfig) -> str:
    text = (
        f"Welcome to **{config.community.name}**, {safe(member.display_name, 100)}! "
        "A coordinator approved your application, so you're a member now. Our info sheet "
        "is below."
    )
    if matches:
        names = ", ".join(f"<@{m.member.user_id}>" for m in matches)
        text += f"\n\n**People to meet first**, who share your interests: {names}."
    text += (
        "\n\nUseful commands: `/profile show` (your profile), `/profile edit` (change it), "
        "`/connect` (find someone who shares an interest)."
    )
    return text


def arrival_dm_text(config: AppConfig, name: str) -> str:
    return (
        f"Welcome to the {config.community.name} server, {safe(name, 100)}! 👋\n"
        "To become a member of the Community of Practice, use **`/join`** in the server: "
        "it takes about two minutes, and a coordinator reviews your application. "
        "Use `/about` to read our rules first."
    )


def arrival_channel_text(user_id: int) -> str:
    return (
        f"Welcome <@{user_id}>! I couldn't DM you, so here's where to start: use **`/join`** "
        "to apply to the Community of Practice (and `/about` to read our rules first)."
    )


def decline_dm_text(application: Application, config: AppConfig) -> str:
    return (
        f"Your application to join **{config.community.name}** was declined by a coordinator.\n"
        f"**Reason:** {safe(application.decline_reason, 900)}\n\n"
        "When you're ready to apply again, use `/join` in the server: your previous answers "
        "will be filled in for you."
    )


# --- renewal ------------------------------------------------------------------------


def renewal_embed(config: AppConfig, reason: str, deadline: datetime) -> discord.Embed:
    onboarding = config.onboarding
    if reason == "pledge":
        title = "The confidentiality pledge has changed"
        opening = (
            f"The confidentiality pledge is now at version {onboarding.pledge_version}. Please "
            "read it and confirm that you hold to it, and that you still work in "
            f"{onboarding.region}."
        )
    else:
        title = "Time to renew your membership"
        opening = (
            f"Once a year we ask members to confirm that they still work in {onboarding.region} "
            "and still hold to the confidentiality pledge."
        )
    pledge = "\n".join(f"> {line}" for line in onboarding.pledge_text.splitlines())
    body = (
        f"{opening}\n\n**The pledge, version {onboarding.pledge_version}**\n{pledge}\n\n"
        f"Please answer by {show(deadline, 'D')}. With no answer by then, your membership "
        "lapses: you become alumni and leave the facilitation rotation (you can always "
        "come back with `/join`)."
    )
    return discord.Embed(title=title, description=body[:4096], colour=COLOUR)


# --- /connect -----------------------------------------------------------------------


def connect_embed(match: Match, reason: str = "") -> discord.Embed:
    person = match.member
    shared = ", ".join(safe(t, 40) for t in match.shared[:5])
    about = ", ".join(p for p in (safe(person.job_role, 200), safe(person.organisation, 200)) if p)
    lines = [f"<@{person.user_id}>" + (f": {about}" if about else "")]
    if reason:
        lines.append(f"**Why:** {safe(reason, 300)}")
    elif shared:
        lines.append(f"**You share:** {shared}")
    if person.locality:
        lines.append(f"**Works in:** {where_text(person.locality, person.locality_note)}")
    lines.append(
        "Say hello in a DM, or find them at the next meeting, or press **Let's partner**. "
        "Partnerships here are built one person at a time."
    )
    title = f"Meet {safe(person.display_name, 200)}"
    return discord.Embed(title=title[:256], description="\n".join(lines), colour=COLOUR)


# --- persistent buttons (answered by cogs.onboarding.components) ---------------------


REVIEW_LOOKS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "approve": ("Approve", discord.ButtonStyle.success),
    "decline": ("Decline…", discord.ButtonStyle.danger),
}
"""The review post's buttons by action: label and style."""

RENEWAL_LOOKS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "yes": ("Yes, I still work in the region and hold to the pledge", discord.ButtonStyle.success),
    "no": ("I'm stepping back (become alumni)", discord.ButtonStyle.secondary),
}
"""The renewal prompt's buttons by answer: label and style."""


def _port_button(look: tuple[str, discord.ButtonStyle], custom_id: str) -> port.Button:
    label, style = look
    return port.Button(label, custom_id=custom_id, style=cast(port.ButtonStyle, style.name))


def review_button(application_id: int, action: str) -> port.Button:
    return _port_button(REVIEW_LOOKS[action], f"onb:review:{application_id}:{action}")


def renewal_button(renewal_id: int, answer: str) -> port.Button:
    return _port_button(RENEWAL_LOOKS[answer], f"onb:renew:{renewal_id}:{answer}")


# --- what the flows send ------------------------------------------------------------


def card_of(embed: discord.Embed) -> port.Card:
    """An embed as the port's card."""
    return port.Card(
        title=embed.title,
        description=embed.description,
        colour=embed.colour.value if embed.colour is not None else None,
        footer=embed.footer.text,
        fields=tuple(port.Field(f.name or "", f.value or "", bool(f.inline)) for f in embed.fields),
        url=embed.url,
    )


def message(
    content: str | None,
    embeds: Sequence[discord.Embed] = (),
    buttons: Sequence[port.Button] = (),
    ping_users: Sequence[int] = (),
    nonce: str | None = None,
) -> port.Message:
    return port.Message(
        content, tuple(card_of(e) for e in embeds), tuple(buttons), tuple(ping_users), nonce
    )


def how_to_join_embed(config: AppConfig) -> discord.Embed:
    embed = info_sheet_embed(config, join_hint=False)
    embed.title = f"How to join {config.community.name}"[:256]
    embed.description = (
        "**How to join**\nUse **`/join`** anywhere in this server: the bot checks the "
        "membership rules with you (about two minutes), then a coordinator reviews your "
        "application and you get a DM with the decision. `/about` shows the rules and "
        f"principles.\n\n{embed.description or ''}"
    )[:4096]
    return embed


class Texts:
    """The messages the onboarding flows send (``bot.services.onboarding.outreach.Texts``)."""

    def __init__(self, config: AppConfig) -> None:
        self.config = config

    def review(self, application: Application, member: Member, intro: str) -> port.Message:
        pending = application.status is ApplicationStatus.PENDING
        buttons = (
            (review_button(application.id, "approve"), review_button(application.id, "decline"))
            if pending
            else ()
        )
        return message(
            f"{intro}: <@{application.user_id}>",
            [review_embed(application, member, self.config)],
            buttons,
        )

    def introduction(self, member: Member, matches: Sequence[Match]) -> port.Message:
        return message(
            intro_content(member, matches),
            [intro_embed(member)],
            ping_users=[member.user_id, *(m.member.user_id for m in matches)],
        )

    def welcome_dm(
        self, member: Member, matches: Sequence[Match], meeting: Meeting | None
    ) -> port.Message:
        embeds = [info_sheet_embed(self.config, join_hint=False)]
        if meeting is not None:
            embeds.append(meeting_embed(meeting))
        return message(welcome_dm_text(member, matches, self.config), embeds)

    def decline_dm(self, application: Application) -> port.Message:
        return message(decline_dm_text(application, self.config))

    def arrival_dm(self, display_name: str) -> port.Message:
        return message(arrival_dm_text(self.config, display_name))

    def arrival_in_channel(self, user_id: int) -> port.Message:
        return message(arrival_channel_text(user_id), ping_users=[user_id])

    def renewal_prompt(
        self, renewal_id: int, reason: str, deadline: datetime, in_channel_for: int | None
    ) -> port.Message:
        buttons = (renewal_button(renewal_id, "yes"), renewal_button(renewal_id, "no"))
        embed = renewal_embed(self.config, reason, deadline)
        if in_channel_for is None:
            return message(None, [embed], buttons)
        return message(
            f"<@{in_channel_for}>, I couldn't DM you: please renew your membership of the "
            "Community of Practice here.",
            [embed],
            buttons,
            [in_channel_for],
        )

    def lapsed_dm(self) -> port.Message:
        return message(
            f"Your membership of **{self.config.community.name}** has lapsed, as the renewal "
            "wasn't answered in time. You're welcome back any time: use `/join` in the server."
        )

    def member_left(self, member: Member) -> port.Message:
        return message(
            f"👋 {_name(member)} (<@{member.user_id}>) left the server, so they've left the "
            "Community of Practice and the facilitation rotation."
        )

    def left_while_pending(self, member: Member, application_id: int) -> port.Message:
        return message(
            f"{_name(member)} (<@{member.user_id}>) left the server while application "
            f"#{application_id} was waiting. You can still decide it; the decision is recorded."
        )

    def lapsed(
        self, member: Member, asked_at: datetime | None, problems: Sequence[str]
    ) -> port.Message:
        asked = f" asked {show(asked_at, 'D')}" if asked_at else ""
        alumni = "now have the alumni role and" if self.config.roles.alumni else "now"
        return message(
            f"⏳ Membership lapsed: {_name(member)} (<@{member.user_id}>) didn't answer the "
            f"renewal{asked}. They {alumni} are out of the facilitation rotation."
            + "".join(f" {p}" for p in problems)
        )

    def stepped_back(self, member: Member, problems: Sequence[str]) -> port.Message:
        return message(
            f"{_name(member)} (<@{member.user_id}>) stepped back at renewal: they're alumni now "
            "and out of the facilitation rotation." + "".join(f" {p}" for p in problems)
        )

    def how_to_join(self) -> port.Message:
        return message(None, [how_to_join_embed(self.config)])

    def invitation_dm(self) -> port.Message:
        return message(invitation_text(self.config), [info_sheet_embed(self.config)])


def _name(member: Member) -> str:
    return safe(member.display_name, 100) or f"<@{member.user_id}>"


def invite_preview_text(count: int, skipped: int, audience: str, per_second: float) -> str:
    if not count:
        return (
            f"Nobody to invite among {audience}: everyone there is a member, has applied, or "
            "was already pointed to `/join`."
        )
    minutes = max(1, round(count / max(per_second, 0.01) / 60))
    people = "person" if count == 1 else "people"
    return (
        f"**{count}** {people} ({audience}) would get one invitation by DM to apply with "
        f"`/join`, sent paced over about {minutes} minute{'s' if minutes != 1 else ''} and "
        "after each person's quiet hours. Nobody is ever invited twice. "
        f"{skipped} left out: members, applicants, and people already pointed to `/join`.\n"
        "Send them?"
    )


def invite_progress_text(count: int, progress: Progress | None) -> str:
    if progress is None:
        return f"Sending {count} invitations, paced. Progress shows here."
    if progress.done:
        return f"Invitations done: {progress.summary()}."
    return f"Sending invitations: {progress.summary()}."


def invitation_text(config: AppConfig) -> str:
    return (
        f"Hello! A coordinator of **{config.community.name}** invites you to join the "
        "Community of Practice. If you'd like to, use **`/join`** in the server: it takes "
        "about two minutes, and a coordinator reviews your application. If not, there's "
        "nothing to do, and you won't be asked again."
    )
