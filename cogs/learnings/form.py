"""The learning form: five fields, reopened with everything typed when something is
wrong, so nothing a member typed is ever lost. Its submission is handled by the cog's
interaction listener, so a form submitted after a restart still arrives.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable
from typing import Any, NamedTuple

import discord

from bot.services.learnings.text import FIELDS, Draft
from bot.ui import CopInteraction, CopModal, CopView, send

DISCORD_TEXT_INPUT_MAX = 4000
FORM_PREFIX = "learning:form"
_FORM_ID = re.compile(
    rf"^{FORM_PREFIX}:(?P<mode>add|edit):(?P<learning>\d+):(?P<meeting>\d+):(?P<nonce>[0-9a-f]+)"
    r"(?::c(?P<consult>\d+))?$"
)


class FormId(NamedTuple):
    mode: str
    learning_id: int | None
    meeting_id: int | None
    consult_id: int | None = None


def form_custom_id(
    mode: str, learning_id: int | None, meeting_id: int | None, consult_id: int | None = None
) -> str:
    """The form's custom id: what it records, carried through a restart. A consult id
    (only its asker opens the form from it) rides at the end as ``:c<id>``."""
    base = f"{FORM_PREFIX}:{mode}:{learning_id or 0}:{meeting_id or 0}:{secrets.token_hex(4)}"
    return f"{base}:c{consult_id}" if consult_id else base


def parse_form_id(custom_id: str) -> FormId | None:
    match = _FORM_ID.match(custom_id)
    if match is None:
        return None
    return FormId(
        match["mode"],
        int(match["learning"]) or None,
        int(match["meeting"]) or None,
        int(match["consult"] or 0) or None,
    )


class LearningForm(CopModal):
    """The five fields of a learning. Its submission is handled by the cog's interaction
    listener (see ``cogs.learnings.cog``), so a form submitted after a restart is not lost."""

    def __init__(
        self,
        *,
        title: str,
        mode: str,
        learning_id: int | None = None,
        meeting_id: int | None = None,
        consult_id: int | None = None,
        draft: Draft | None = None,
        too_long: Iterable[str] = (),
    ) -> None:
        super().__init__(
            title=title[:45],
            custom_id=form_custom_id(mode, learning_id, meeting_id, consult_id),
            timeout=1800,
        )
        draft = draft or Draft()
        over = set(too_long)
        for spec in FIELDS:
            value = draft.get(spec.key)
            label = spec.label
            limit = spec.max_length
            if spec.key in over or len(value) > limit:
                limit = DISCORD_TEXT_INPUT_MAX
                label = f"{spec.label} (max {spec.max_length:,})"
            self.add_item(
                discord.ui.TextInput(
                    label=label[:45],
                    custom_id=spec.key,
                    style=(
                        discord.TextStyle.paragraph if spec.paragraph else discord.TextStyle.short
                    ),
                    required=spec.required,
                    max_length=limit,
                    placeholder=spec.placeholder[:100],
                    default=value[:DISCORD_TEXT_INPUT_MAX] or None,
                )
            )


def submitted_values(data: Any) -> dict[str, str]:
    """The text inputs of a modal submission, by custom id (rows or labels)."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "custom_id" in node and isinstance(node.get("value"), str):
                found[str(node["custom_id"])] = node["value"]
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk((data or {}).get("components", []))
    return found


def draft_from(values: dict[str, str]) -> Draft:
    return Draft(**{spec.key: values.get(spec.key, "") for spec in FIELDS})


class FixDraftView(CopView):
    """Offered when the form had a problem: reopens it with everything that was typed."""

    def __init__(self, owner_id: int, draft: Draft, fields: set[str], form: FormId) -> None:
        super().__init__(timeout=3600)
        self.owner_id = owner_id
        self.draft = draft
        self.fields = fields
        self.form = form

    @discord.ui.button(label="Fix it", style=discord.ButtonStyle.primary)
    async def fix(self, interaction: CopInteraction, _: discord.ui.Button[Any]) -> None:
        if interaction.user.id != self.owner_id:
            await send(interaction, content="This button is for someone else.")
            return
        title = "Edit your learning" if self.form.mode == "edit" else "Record a learning"
        await interaction.response.send_modal(
            LearningForm(title=title, **self.form._asdict(), draft=self.draft, too_long=self.fields)
        )


def draft_file(draft: Draft) -> discord.File:
    """What the member typed, as a text file only they receive (nothing is lost)."""
    parts = [f"{spec.label}\n{'-' * len(spec.label)}\n{draft.get(spec.key)}\n" for spec in FIELDS]
    return discord.File(io.BytesIO("\n".join(parts).encode("utf-8")), "your-learning.txt")
