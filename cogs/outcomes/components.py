"""The persistent consent buttons and the outcome form. Imports nothing from the cog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.errors import NotAllowed
from bot.models import ConsentStatus
from bot.services import outcomes
from bot.services.members import member_by_user
from bot.ui import (
    CopButton,
    CopInteraction,
    FieldsModal,
    TextField,
    bot_of,
    choices,
    persistent_view,
    send,
)


class ConsentButton(
    CopButton,
    template=r"outcome:consent:(?P<outcome_id>\d+):(?P<member_id>\d+):(?P<agree>yes|no)",
):
    """Yes / No to being named in an outcome. Only the person named can press it, and it
    keeps working after a restart."""

    outcome_id: int
    member_id: int
    agree: bool = choices(
        {"yes": ("Yes, name me", discord.ButtonStyle.success), "no": "No, leave me out"}
    )

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await member_by_user(session, interaction.user.id)
            if me is None or me.id != self.member_id:
                raise NotAllowed("These buttons are for the person named in the outcome.")
            answer = await outcomes.answer_consent(
                session, self.outcome_id, me, self.agree, bot.clock()
            )
            title = await outcomes.outcome_title(session, bot.data_keyring, self.outcome_id)
        if answer.status is ConsentStatus.AGREED:
            text = f"Thank you: you are named in **{discord.utils.escape_markdown(title)}**."
        else:
            text = "Understood: you are not named in that outcome."
        if not answer.changed:
            text = "You had already answered. " + text
        await send(interaction, text)


def consent_view(outcome_id: int, member_id: int) -> discord.ui.View:
    return persistent_view(
        ConsentButton(outcome_id, member_id, agree=True),
        ConsentButton(outcome_id, member_id, agree=False),
    )


Submit = Callable[[discord.Interaction[Any], dict[str, str]], Awaitable[None]]


OUTCOME_FIELDS = (
    TextField("title", "Title", outcomes.TITLE_MAX, "e.g. Grant for the youth hub partnership"),
    TextField("date", "Date (YYYY-MM-DD)", 40, "e.g. 2026-11-03; empty for today", required=False),
    TextField(
        "description",
        "A short description",
        outcomes.DESCRIPTION_MAX,
        paragraph=True,
        required=False,
    ),
    TextField("link", "A link (optional)", outcomes.LINK_MAX, "https://…", required=False),
)


class OutcomeForm(FieldsModal):
    """Title, date, description and link. Never log its values."""

    def __init__(self, on_submit: Submit, *, defaults: dict[str, str] | None = None) -> None:
        super().__init__(OUTCOME_FIELDS, defaults, title="Record an outcome", timeout=900)
        self._submit = on_submit

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._submit(interaction, self.typed)
