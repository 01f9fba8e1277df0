"""Persistent buttons: Approve / Decline on review posts (coordinators only), the
renewal prompt's answers (only the member asked), and the decline-reason modal."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.checks import is_coordinator
from bot.mentions import NO_PINGS
from bot.models import Member
from bot.services.onboarding import lifecycle, renewals
from bot.services.onboarding.lifecycle import DECLINE_REASON_MAX, Verdict
from bot.timeutil import show
from bot.ui import CopModal, reply_ephemeral
from cogs.onboarding import flows, render
from cogs.onboarding.form import bot_of, guarded

log = logging.getLogger(__name__)

NOT_A_COORDINATOR = (
    "Only coordinators can approve or decline applications. If this one needs attention, "
    "please mention it to a coordinator."
)


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"onb:review:(?P<id>\d+):(?P<action>approve|decline)",
):
    def __init__(self, application_id: int, action: str) -> None:
        approve = action == "approve"
        super().__init__(
            discord.ui.Button(
                label="Approve" if approve else "Decline…",
                style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
                custom_id=f"onb:review:{application_id}:{action}",
            )
        )
        self.application_id = application_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        return cls(int(match["id"]), match["action"])

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if is_coordinator(interaction.user, bot_of(interaction).config):
            return True
        await reply_ephemeral(interaction, NOT_A_COORDINATOR)
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await guarded(interaction, "an application review", lambda: self._pressed(interaction))

    async def _pressed(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        if self.action == "decline":
            async with bot.db.transaction() as session:
                application = await lifecycle.get_application(session, self.application_id)
            if application.status.value != "pending":
                raise lifecycle.already_decided(application)
            await interaction.response.send_modal(
                DeclineModal(self.application_id, interaction.user.id)
            )
            return
        async with bot.db.transaction() as session:
            decision = await lifecycle.decide(
                session,
                self.application_id,
                Verdict.APPROVE,
                by_user_id=interaction.user.id,
                config=bot.config,
                now=bot.clock(),
            )
        await interaction.response.edit_message(
            embed=render.review_embed(decision.application, decision.member, bot.config),
            view=None,
            allowed_mentions=NO_PINGS,
        )
        report = await flows.welcome_new_member(bot, decision.application.id)
        name = render.safe(decision.member.display_name, 100) or "They"
        if not decision.in_guild:
            report.in_server = False
        await interaction.followup.send(
            report.sentence(name), ephemeral=True, allowed_mentions=NO_PINGS
        )


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
            await reply_ephemeral(interaction, NOT_A_COORDINATOR)
            return
        async with bot.db.transaction() as session:
            decision = await lifecycle.decide(
                session,
                self.application_id,
                Verdict.DECLINE,
                by_user_id=interaction.user.id,
                config=bot.config,
                now=bot.clock(),
                reason=self.reason.value,
            )
        embed = render.review_embed(decision.application, decision.member, bot.config)
        if interaction.message is not None:
            await interaction.response.edit_message(
                embed=embed, view=None, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.response.defer()
            await flows.refresh_review_post(bot, decision.application, decision.member)
        told = await flows.tell_declined(bot, decision)
        name = render.safe(decision.member.display_name, 100) or "The applicant"
        sentence = (
            f"Declined. {name} was told the reason by DM, with how to apply again."
            if told
            else f"Declined and recorded. {name} couldn't be told by DM (closed, or they've "
            "left), so please let them know if you can."
        )
        await interaction.followup.send(sentence, ephemeral=True, allowed_mentions=NO_PINGS)


class RenewalButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"onb:renew:(?P<id>\d+):(?P<answer>yes|no)",
):
    def __init__(self, renewal_id: int, answer: str) -> None:
        yes = answer == "yes"
        super().__init__(
            discord.ui.Button(
                label="Yes, I still work in the region and hold to the pledge"
                if yes
                else "I'm stepping back (become alumni)",
                style=discord.ButtonStyle.success if yes else discord.ButtonStyle.secondary,
                custom_id=f"onb:renew:{renewal_id}:{answer}",
            )
        )
        self.renewal_id = renewal_id
        self.answer = answer

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RenewalButton:
        return cls(int(match["id"]), match["answer"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await guarded(interaction, "a renewal", lambda: self._pressed(interaction))

    async def _pressed(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            answer = await renewals.answer_renewal(
                session,
                self.renewal_id,
                interaction.user.id,
                self.answer == "yes",
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
            problems = await flows.make_alumni(bot, member.user_id, "Stepped back at renewal")
            await flows.tell_coordinators(
                bot,
                f"{render.safe(member.display_name, 100)} (<@{member.user_id}>) stepped back at "
                "renewal: they're alumni now and out of the facilitation rotation."
                + "".join(f" {p}" for p in problems),
            )
