"""The persistent consent buttons and the outcome form. Imports nothing from the cog."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.client import CopBot
from bot.crypto import Keyring
from bot.errors import NotAllowed
from bot.models import ConsentStatus
from bot.services import outcomes
from bot.services.members import member_by_user
from bot.ui import CopInteraction, CopItem, CopModal, bot_of, persistent_view, send


def keyring_of(bot: CopBot) -> Keyring:
    return bot.data_keyring


class ConsentButton(
    CopItem[discord.ui.Button[Any]],
    template=r"outcome:consent:(?P<outcome>\d+):(?P<member>\d+):(?P<answer>yes|no)",
):
    """Yes / No to being named in an outcome. Only the person named can press it, and it
    keeps working after a restart."""

    def __init__(self, outcome_id: int, member_id: int, agree: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, name me" if agree else "No, leave me out",
                style=discord.ButtonStyle.success if agree else discord.ButtonStyle.secondary,
                custom_id=f"outcome:consent:{outcome_id}:{member_id}:{'yes' if agree else 'no'}",
            )
        )
        self.outcome_id = outcome_id
        self.member_id = member_id
        self.agree = agree

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ConsentButton:
        return cls(int(match["outcome"]), int(match["member"]), match["answer"] == "yes")

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await member_by_user(session, interaction.user.id)
            if me is None or me.id != self.member_id:
                raise NotAllowed("These buttons are for the person named in the outcome.")
            answer = await outcomes.answer_consent(
                session, self.outcome_id, me, self.agree, bot.clock()
            )
            title = await outcomes.outcome_title(session, keyring_of(bot), self.outcome_id)
        if answer.status is ConsentStatus.AGREED:
            text = f"Thank you: you are named in **{discord.utils.escape_markdown(title)}**."
        else:
            text = "Understood: you are not named in that outcome."
        if not answer.changed:
            text = "You had already answered. " + text
        await send(interaction, text)


def consent_view(outcome_id: int, member_id: int) -> discord.ui.View:
    return persistent_view(
        ConsentButton(outcome_id, member_id, True), ConsentButton(outcome_id, member_id, False)
    )


Submit = Callable[[discord.Interaction[Any], dict[str, str]], Awaitable[None]]


class OutcomeForm(CopModal):
    """Title, date, description and link. Never log its values."""

    def __init__(self, on_submit: Submit, *, defaults: dict[str, str] | None = None) -> None:
        super().__init__(title="Record an outcome", timeout=900)
        values = defaults or {}
        self._submit = on_submit
        self.title_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="title",
            label="Title",
            placeholder="e.g. Grant for the youth hub partnership",
            max_length=outcomes.TITLE_MAX,
            default=values.get("title"),
        )
        self.date_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="date",
            label="Date (YYYY-MM-DD)",
            placeholder="e.g. 2026-11-03; empty for today",
            required=False,
            max_length=40,
            default=values.get("date"),
        )
        self.description_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="description",
            label="A short description",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=outcomes.DESCRIPTION_MAX,
            default=values.get("description"),
        )
        self.link_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="link",
            label="A link (optional)",
            placeholder="https://…",
            required=False,
            max_length=outcomes.LINK_MAX,
            default=values.get("link"),
        )
        for item in (self.title_input, self.date_input, self.description_input, self.link_input):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._submit(
            interaction,
            {
                "title": self.title_input.value,
                "date": self.date_input.value,
                "description": self.description_input.value,
                "link": self.link_input.value,
            },
        )
