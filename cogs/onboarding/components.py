"""Onboarding's modals and persistent items: the /join form (a modal for what people
type, then an ephemeral form with menus and agreement buttons), Approve / Decline on
review posts, the renewal answers, profile editing, /connect's "someone else", and the
confirmation of ``/onboarding invite``.

The form's menus and buttons are ``CopSelect``s and ``CopButton``s whose state lives
in the database draft (keyed by the person), so they keep working after a restart.
Every step saves the draft, so a mistake never means retyping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import discord

from bot.checks import is_coordinator
from bot.client import CopBot
from bot.errors import Conflict
from bot.mentions import NO_PINGS
from bot.models import Member
from bot.services import outbound, partnerships
from bot.services.onboarding import flows, invites, lifecycle, renewals
from bot.services.onboarding.forms import (
    DRAFT_TEXT_MAX,
    ELSEWHERE,
    INTERESTS_MAX,
    NAME_MAX,
    NO_COURSE,
    NOTE_MAX,
    ORGANISATION_MAX,
    OTHER_COURSE,
    ROLE_MAX,
    Answers,
    Incomplete,
    clean,
    note_problems,
    preview_checks,
    text_problems,
)
from bot.services.onboarding.lifecycle import DECLINE_REASON_MAX, Verdict
from bot.services.onboarding.matching import Match, suggest_connection
from bot.timeutil import show
from bot.ui import (
    CopButton,
    CopInteraction,
    CopModal,
    CopSelect,
    CopView,
    FieldsModal,
    OwnerOnlyView,
    TextField,
    bot_of,
    choices,
    persistent_view,
    send,
)
from cogs.onboarding import render
from cogs.onboarding.adapter import outreach

log = logging.getLogger(__name__)


def this_year(bot: CopBot) -> int:
    return bot.clock().astimezone(bot.zone).year


def _fit(text: str, limit: int) -> str:
    """A modal's prefilled value must fit its max length."""
    return text[:limit]


def form_payload(
    bot: CopBot, answers: Answers, problems: list[str] | None = None
) -> dict[str, Any]:
    """The form message's embed and view, as keyword arguments for send/edit."""
    config = bot.config
    if problems is None:
        problems = text_problems(answers, this_year(bot)) if answers.has_text else []
    checks = preview_checks(answers, config, this_year(bot))
    return {
        "embed": render.form_embed(answers, config, checks, problems),
        "view": form_view(answers, bot),
    }


def form_view(answers: Answers, bot: CopBot) -> discord.ui.View:
    config = bot.config
    view = persistent_view()
    view.add_item(FormSelect.showing("locality", answers, bot))
    view.add_item(FormSelect.showing("course", answers, bot))
    version = config.onboarding.pledge_version
    pledge_ok = answers.agreed_pledge and answers.pledge_version == version
    facilitation = "facilitation-no" if answers.agreed_facilitation else "facilitation-yes"
    view.add_item(FormButton(facilitation).shown(row=2))
    pledge = "pledge-no" if pledge_ok else "pledge-yes"
    pledge_label = (
        f"✓ Agreed to pledge v{version} (undo)"
        if pledge_ok
        else f"I agree to the confidentiality pledge (v{version})"
    )
    view.add_item(FormButton(pledge).shown(label=pledge_label[:80], row=2))
    actions = ["edit", "submit"]
    if answers.locality == ELSEWHERE or answers.course == OTHER_COURSE:
        actions.insert(1, "details")
    for action in actions:
        view.add_item(FormButton(action).shown(row=3))
    return view


async def respond_with_form(
    interaction: CopInteraction, answers: Answers, problems: list[str] | None = None
) -> None:
    """Show the form: edit it in place when the interaction came from it, else send it."""
    payload = form_payload(interaction.client, answers, problems)
    if (
        interaction.message is not None
        and interaction.type is not discord.InteractionType.application_command
    ):
        await interaction.response.edit_message(**payload, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(
            **payload, ephemeral=True, allowed_mentions=NO_PINGS
        )


async def update_draft(interaction: CopInteraction, change: Callable[[Answers], None]) -> Answers:
    bot = interaction.client
    async with bot.db.transaction() as session:
        answers = await lifecycle.load_draft(session, interaction.user.id)
        change(answers)
        await lifecycle.save_draft(session, interaction.user.id, answers, bot.clock())
    return answers


def _needs_note(answers: Answers) -> bool:
    return bool(note_problems(answers))


# --- modals -------------------------------------------------------------------------


ABOUT_YOU = (
    TextField("name", "Name you like to be called", NAME_MAX, "e.g. Sam Taylor"),
    TextField(
        "organisation", "Organisation", ORGANISATION_MAX, "e.g. Capricornia Regional Council"
    ),
    TextField("job_role", "Your role", ROLE_MAX, "e.g. Community partnerships officer"),
    TextField(
        "interests",
        "Partnering interests, separated by commas",
        INTERESTS_MAX,
        "e.g. co-design, health, first nations partnerships",
        paragraph=True,
    ),
)
"""What the join form and the profile form both ask, in order."""

TRAINING_YEAR = TextField(
    "training_year",
    "Year of your partnering training",
    4,
    "e.g. 2023 (leave empty if none yet)",
    required=False,
)


class JoinModal(FieldsModal, title="Apply to join"):
    """What people type: name, organisation, role, interests, training year."""

    def __init__(self, answers: Answers, user_id: int) -> None:
        fields = (*ABOUT_YOU, TRAINING_YEAR)
        # discord.py keeps pending modals by custom_id alone: one per person.
        super().__init__(
            fields,
            {field.key: getattr(answers, field.key) for field in fields},
            custom_id=f"onb:join-modal:{user_id}",
            timeout=None,
        )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        typed = self.typed

        def change(answers: Answers) -> None:
            for key, value in typed.items():
                setattr(answers, key, (value or "")[:DRAFT_TEXT_MAX])

        answers = await update_draft(interaction, change)
        await respond_with_form(interaction, answers)


class NoteModal(CopModal, title="A little more detail"):
    """Where they work (if not on the list) and which training (if not on the list)."""

    def __init__(self, answers: Answers, user_id: int) -> None:
        super().__init__(custom_id=f"onb:note-modal:{user_id}", timeout=None)
        self.locality_note: discord.ui.TextInput[NoteModal] | None = None
        self.course_note: discord.ui.TextInput[NoteModal] | None = None
        if answers.locality == ELSEWHERE or answers.course != OTHER_COURSE:
            self.locality_note = discord.ui.TextInput(
                custom_id="locality_note",
                label="Where do you work? (town or area)",
                max_length=NOTE_MAX,
                required=answers.locality == ELSEWHERE,
                default=_fit(answers.locality_note, NOTE_MAX) or None,
                placeholder="e.g. Theodore",
            )
            self.add_item(self.locality_note)
        if answers.course == OTHER_COURSE:
            self.course_note = discord.ui.TextInput(
                custom_id="course_note",
                label="Which partnering training have you done?",
                max_length=NOTE_MAX,
                default=_fit(answers.course_note, NOTE_MAX) or None,
                placeholder="e.g. The Partnering Initiative's course, 2022",
            )
            self.add_item(self.course_note)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        locality_note = self.locality_note.value if self.locality_note is not None else None
        course_note = self.course_note.value if self.course_note is not None else None

        def change(answers: Answers) -> None:
            if locality_note is not None:
                answers.locality_note = locality_note[:DRAFT_TEXT_MAX]
            if course_note is not None:
                answers.course_note = course_note[:DRAFT_TEXT_MAX]

        answers = await update_draft(interaction, change)
        await respond_with_form(interaction, answers)


# --- the form's menus and buttons ----------------------------------------------------


class FormSelect(CopSelect, template=r"onb:form:(?P<field>locality|course)"):
    where = "the /join form"

    field: str

    @classmethod
    def showing(cls, field: str, answers: Answers, bot: CopBot) -> FormSelect:
        """The menu for ``field`` with the applicant's current answer chosen."""
        onboarding = bot.config.onboarding
        if field == "locality":
            choices = [(loc, loc) for loc in onboarding.localities]
            choices.append(("Elsewhere (I'll say where)", ELSEWHERE))
            current = answers.locality
            placeholder = f"Where do you work in {onboarding.region}?"
        else:
            choices = [(course, course) for course in onboarding.courses]
            choices.append(("Other partnering training (I'll say which)", OTHER_COURSE))
            choices.append(("None yet", NO_COURSE))
            current = answers.course
            placeholder = "Which partnering training have you done?"
        options = [
            discord.SelectOption(label=label[:100], value=value[:100], default=value == current)
            for label, value in choices
        ]
        menu = cls(field).offering(options)
        menu.item.placeholder = placeholder[:150]
        return menu

    async def pressed(self, interaction: CopInteraction) -> None:
        value = self.choice
        if value is None:
            answers = await update_draft(interaction, lambda a: None)
            await respond_with_form(interaction, answers)
            return

        def change(answers: Answers) -> None:
            setattr(answers, self.field, value)

        answers = await update_draft(interaction, change)
        if (
            self.field == "locality" and value == ELSEWHERE and not clean(answers.locality_note)
        ) or (self.field == "course" and value == OTHER_COURSE and not clean(answers.course_note)):
            await interaction.response.send_modal(NoteModal(answers, interaction.user.id))
            return
        await respond_with_form(interaction, answers)


FORM_ACTIONS = "edit|details|submit|facilitation-yes|facilitation-no|pledge-yes|pledge-no"


class FormButton(CopButton, template=rf"onb:form:(?P<action>{FORM_ACTIONS})"):
    where = "the /join form"

    action: str = choices(
        {
            "facilitation-yes": ("I agree to share facilitating", discord.ButtonStyle.success),
            "facilitation-no": "✓ Agreed to share facilitating (undo)",
            "pledge-yes": ("I agree to the confidentiality pledge", discord.ButtonStyle.success),
            "pledge-no": "✓ Agreed to the pledge (undo)",
            "edit": "Edit my answers",
            "details": "Say where / which training",
            "submit": ("Send application", discord.ButtonStyle.primary),
        }
    )
    """The pledge's buttons are shown with its version in the label."""

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = interaction.client
        action = self.action
        if action in ("facilitation-yes", "facilitation-no"):
            agreed = action.endswith("yes")

            def agree_facilitation(answers: Answers) -> None:
                answers.agreed_facilitation = agreed

            await respond_with_form(
                interaction, await update_draft(interaction, agree_facilitation)
            )
        elif action in ("pledge-yes", "pledge-no"):
            agreed = action.endswith("yes")
            version = bot.config.onboarding.pledge_version

            def agree_pledge(answers: Answers) -> None:
                answers.agreed_pledge = agreed
                answers.pledge_version = version if agreed else ""

            await respond_with_form(interaction, await update_draft(interaction, agree_pledge))
        elif action == "edit":
            answers = await update_draft(interaction, lambda a: None)
            await interaction.response.send_modal(JoinModal(answers, interaction.user.id))
        elif action == "details":
            answers = await update_draft(interaction, lambda a: None)
            await interaction.response.send_modal(NoteModal(answers, interaction.user.id))
        else:
            await submit(interaction)


async def submit(interaction: CopInteraction) -> None:
    bot = interaction.client
    async with bot.db.transaction() as session:
        answers = await lifecycle.load_draft(session, interaction.user.id)
    if not text_problems(answers, this_year(bot)) and answers.has_text and _needs_note(answers):
        await interaction.response.send_modal(NoteModal(answers, interaction.user.id))
        return
    try:
        async with bot.db.transaction() as session:
            submitted = await lifecycle.submit_application(
                session,
                interaction.user.id,
                interaction.user.display_name,
                answers,
                bot.config,
                bot.clock(),
            )
    except Incomplete as exc:
        await respond_with_form(interaction, answers, exc.problems)
        return
    except Conflict as exc:
        await interaction.response.edit_message(
            content=exc.message, embed=None, view=None, allowed_mentions=NO_PINGS
        )
        return
    await interaction.response.edit_message(
        embed=render.submitted_embed(submitted.application, bot.config),
        view=offers_view(),
        allowed_mentions=NO_PINGS,
    )
    await flows.after_submit(outreach(bot), submitted.application.id)


# --- review and renewal ----------------------------------------------------------


NOT_A_COORDINATOR = (
    "Only coordinators can approve or decline applications. If this one needs attention, "
    "please mention it to a coordinator."
)


async def decide(
    interaction: CopInteraction, application_id: int, verdict: Verdict, reason: str = ""
) -> lifecycle.Decision:
    """The coordinator who pressed decides the application (exactly once)."""
    bot = interaction.client
    async with bot.db.transaction() as session:
        return await lifecycle.decide(
            session,
            application_id,
            verdict,
            by_user_id=interaction.user.id,
            config=bot.config,
            now=bot.clock(),
            reason=reason,
        )


class ReviewButton(
    CopButton, template=r"onb:review:(?P<application_id>\d+):(?P<action>approve|decline)"
):
    where = "an application review"

    application_id: int
    action: str = choices(render.REVIEW_LOOKS)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if is_coordinator(interaction.user, bot_of(interaction).config):
            return True
        await send(interaction, NOT_A_COORDINATOR)
        return False

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = interaction.client
        if self.action == "decline":
            async with bot.db.transaction() as session:
                application = await lifecycle.get_application(session, self.application_id)
            if application.status.value != "pending":
                raise lifecycle.already_decided(application)
            await interaction.response.send_modal(
                DeclineModal(self.application_id, interaction.user.id)
            )
            return
        decision = await decide(interaction, self.application_id, Verdict.APPROVE)
        await interaction.response.edit_message(
            embed=render.review_embed(decision.application, decision.member, bot.config),
            view=None,
            allowed_mentions=NO_PINGS,
        )
        report = await flows.welcome_new_member(outreach(bot), decision.application.id)
        name = render.safe(decision.member.display_name, 100) or "They"
        if not decision.in_guild:
            report.in_server = False
        await send(interaction, report.sentence(name))


class DeclineModal(CopModal, title="Decline the application"):
    def __init__(self, application_id: int, user_id: int) -> None:
        # discord.py keeps pending modals by custom_id alone: one per coordinator.
        super().__init__(custom_id=f"onb:decline-modal:{application_id}:{user_id}", timeout=None)
        self.application_id = application_id
        self.reason: discord.ui.TextInput[DeclineModal] = discord.ui.TextInput(
            custom_id="reason",
            label="Reason (the applicant reads this)",
            style=discord.TextStyle.paragraph,
            max_length=DECLINE_REASON_MAX,
            placeholder="e.g. Membership is for people working in Central Queensland.",
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        if not is_coordinator(interaction.user, bot.config):
            await send(interaction, NOT_A_COORDINATOR)
            return
        decision = await decide(
            interaction, self.application_id, Verdict.DECLINE, reason=self.reason.value
        )
        embed = render.review_embed(decision.application, decision.member, bot.config)
        if interaction.message is not None:
            await interaction.response.edit_message(
                embed=embed, view=None, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.response.defer()
            await flows.refresh_review_post(outreach(bot), decision.application.id)
        told = await flows.tell_declined(outreach(bot), decision)
        name = render.safe(decision.member.display_name, 100) or "The applicant"
        sentence = (
            f"Declined. {name} was told the reason by DM, with how to apply again."
            if told
            else f"Declined and recorded. {name} couldn't be told by DM (closed, or they've "
            "left), so please let them know if you can."
        )
        await send(interaction, sentence)


class RenewalButton(CopButton, template=r"onb:renew:(?P<renewal_id>\d+):(?P<staying>yes|no)"):
    where = "a renewal"

    renewal_id: int
    staying: bool = choices(render.RENEWAL_LOOKS)

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = interaction.client
        async with bot.db.transaction() as session:
            answer = await renewals.answer_renewal(
                session,
                self.renewal_id,
                interaction.user.id,
                self.staying,
                bot.config,
                bot.clock(),
            )
        if answer.confirmed:
            assert answer.next_due is not None
            text = (
                "✅ Thank you, you're confirmed as a member. We'll ask again around "
                f"{show(answer.next_due, 'D')}."
            )
        else:
            text = (
                "Thank you for letting us know. You're alumni now and out of the facilitation "
                "rotation; you're welcome back any time with `/join`."
            )
        await interaction.response.edit_message(
            content=text, embed=None, view=None, allowed_mentions=NO_PINGS
        )
        if not answer.confirmed:
            member: Member = answer.member
            await flows.stepped_back(outreach(bot), member)


# --- profiles and connections ---------------------------------------------------------


class ProfileModal(FieldsModal, title="Edit your profile"):
    def __init__(self, member: Member) -> None:
        values = {
            "name": member.display_name,
            "organisation": member.organisation,
            "job_role": member.job_role,
            "interests": ", ".join(member.interests),
        }
        # discord.py keeps pending modals by custom_id alone: one per person.
        super().__init__(
            ABOUT_YOU, values, custom_id=f"onb:profile-modal:{member.user_id}", timeout=None
        )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            member = await lifecycle.edit_profile(
                session,
                interaction.user.id,
                **self.typed,
            )
            embed = render.profile_embed(member)
        await send(interaction, "Saved. This is your profile now:", embed=embed, view=offers_view())


def offers_view() -> CopView:
    """**What I offer and look for…** (optional), answered by the partnerships capability."""
    view = CopView(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="What I offer and look for…",
            style=discord.ButtonStyle.secondary,
            custom_id=partnerships.OFFERS_BUTTON,
        )
    )
    return view


async def suggest(bot: CopBot, user_id: int, interest: str | None) -> tuple[Match, str]:
    """/connect's next member: by offers and needs (then interests) when the member has
    said what they offer or look for, else by shared interests. Returns the match and
    the one line saying why ("" for the interests-only match, whose card says it)."""
    async with bot.db.transaction() as session:
        member = await lifecycle.active_member(session, user_id)
        if interest is None:
            found = await partnerships.suggest(session, member, bot.clock())
            if found is not None:
                return Match(found.member, found.fit.score, found.fit.shared), found.reason
        return await suggest_connection(session, member, interest, bot.clock()), ""


class ConnectView(OwnerOnlyView):
    def __init__(self, bot: CopBot, owner_id: int, interest: str | None, other_id: int) -> None:
        super().__init__(owner_id, timeout=600)
        self.bot = bot
        self.interest = interest
        # Answered by the partnerships capability's persistent button.
        self.add_item(
            discord.ui.Button(
                label="Let's partner",
                style=discord.ButtonStyle.primary,
                custom_id=partnerships.PROPOSE_BUTTON.format(member_id=other_id),
            )
        )

    @discord.ui.button(label="Suggest someone else", style=discord.ButtonStyle.secondary)
    async def another(
        self, interaction: CopInteraction, button: discord.ui.Button[ConnectView]
    ) -> None:
        match, reason = await suggest(self.bot, interaction.user.id, self.interest)
        view = ConnectView(self.bot, interaction.user.id, self.interest, match.member.id)
        await interaction.response.edit_message(
            embed=render.connect_embed(match, reason), view=view, allowed_mentions=NO_PINGS
        )


# --- /onboarding invite ------------------------------------------------------------------

PROGRESS_EVERY = 3.0
"""Seconds between updates of the progress a coordinator watches."""
PROGRESS_FOR = 14 * 60.0
"""An interaction's follow-ups work for 15 minutes; the send itself goes on regardless."""


class InviteConfirmView(OwnerOnlyView):
    """Send or cancel the invitations previewed; only the coordinator who asked may press."""

    def __init__(
        self, bot: CopBot, owner_id: int, candidates: list[int] | None, audience: str
    ) -> None:
        super().__init__(owner_id, timeout=600)
        self.bot = bot
        self.candidates = candidates
        self.audience = audience

    @discord.ui.button(label="Send the invitations", style=discord.ButtonStyle.primary)
    async def confirm(
        self, interaction: CopInteraction, button: discord.ui.Button[InviteConfirmView]
    ) -> None:
        bot = self.bot
        self.stop()
        async with bot.db.transaction() as session:
            now = bot.clock()
            plan = await invites.plan_invites(session, self.candidates)
            batch = None
            if plan.count:
                batch = await invites.queue_invites(
                    session,
                    now,
                    plan.user_ids,
                    key=f"onb-invite-{interaction.id}",
                    label=f"Invitations to join ({self.audience})",
                    created_by=interaction.user.id,
                )
        if batch is None:
            await interaction.response.edit_message(
                content="Nobody is left to invite: everyone here is a member, has applied, "
                "or was already pointed to `/join`.",
                view=None,
                allowed_mentions=NO_PINGS,
            )
            return
        bot.outbox.wake()
        await interaction.response.edit_message(
            content=render.invite_progress_text(plan.count, None),
            view=None,
            allowed_mentions=NO_PINGS,
        )
        await follow_progress(interaction, bot, batch.id, plan.count)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: CopInteraction, button: discord.ui.Button[InviteConfirmView]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(
            content="Cancelled: no invitation was sent.", view=None, allowed_mentions=NO_PINGS
        )


async def follow_progress(
    interaction: CopInteraction, bot: CopBot, batch_id: int, count: int
) -> None:
    """Edit the coordinator's message with the batch's progress until it is done."""
    waited = 0.0
    while waited < PROGRESS_FOR:
        await asyncio.sleep(PROGRESS_EVERY)
        waited += PROGRESS_EVERY
        async with bot.db.transaction() as session:
            progress = await outbound.progress(session, batch_id)
        try:
            await interaction.edit_original_response(
                content=render.invite_progress_text(count, progress), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException:
            return
        if progress.done:
            return


DYNAMIC_ITEMS = (FormSelect, FormButton, ReviewButton, RenewalButton)
