"""The learning form, the embeds that show learnings, and the persistent buttons and menus.

Every text a member typed is shown escaped (no markdown, no mentions) and every send
passes ``NO_PINGS``. Nothing here logs what a member typed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

import discord

from bot.checks import has_role, is_coordinator
from bot.crypto import Keyring
from bot.errors import NotAllowed
from bot.mentions import NO_PINGS
from bot.models import Member, SharingLevel
from bot.services.learnings.store import (
    FIELDS,
    LEVEL_MEANINGS,
    Draft,
    LearningView,
    MeetingChoice,
    ensure_member,
)
from bot.services.members import member_by_user
from bot.timeutil import show
from bot.ui import handle_interaction_error

if TYPE_CHECKING:
    from bot.client import CopBot

COLOUR = discord.Colour.dark_teal()
DISCORD_TEXT_INPUT_MAX = 4000
FIELD_VALUE_MAX = 1024
EMBED_TOTAL_MAX = 5800
FORM_PREFIX = "learning:form"
_FORM_ID = re.compile(
    rf"^{FORM_PREFIX}:(?P<mode>add|edit):(?P<learning>\d+):(?P<meeting>\d+):(?P<nonce>\w+)$"
)

LEVEL_LABELS: dict[SharingLevel, str] = {
    SharingLevel.PRIVATE: "private: only me",
    SharingLevel.GROUP: "group: members can read it in the bot",
    SharingLevel.DIGEST_ANONYMOUS: "digest-anonymous: in digests, no name",
    SharingLevel.DIGEST_NAMED: "digest-named: in digests, with my name",
}


def bot_of(interaction: discord.Interaction[Any]) -> CopBot:
    return cast("CopBot", interaction.client)


def keyring_of(bot: CopBot) -> Keyring:
    if bot.keyring is None:  # the cog loads it at start; this is a programming error
        raise RuntimeError("the data key is not loaded")
    return bot.keyring


def safe(text: str) -> str:
    """Member text shown literally in Discord: no formatting, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def day(moment: datetime, zone: Any) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local.strftime('%b %Y')}"


async def guarded(
    interaction: discord.Interaction[Any], where: str, action: Callable[[], Awaitable[None]]
) -> None:
    """Run a component's action through the one error path."""
    try:
        await action()
    except Exception as exc:
        await handle_interaction_error(interaction, exc, where)


async def send(interaction: discord.Interaction[Any], **kwargs: Any) -> None:
    """An ephemeral reply, as the response or (if already responded) a follow-up."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=True, **kwargs)


# --- who may do what ------------------------------------------------------------------


async def guild_member(interaction: discord.Interaction[Any]) -> discord.Member | None:
    """The person as a member of the community's guild (also from a DM)."""
    bot = bot_of(interaction)
    user = interaction.user
    if isinstance(user, discord.Member) and user.guild.id == bot.config.discord.guild_id:
        return user
    guild = bot.guild
    if guild is None:
        return None
    found = guild.get_member(user.id)
    if found is None:
        try:
            found = await guild.fetch_member(user.id)
        except discord.HTTPException:
            return None
    return found


async def require_member_role(interaction: discord.Interaction[Any]) -> discord.Member:
    """The person, if they hold the member (or coordinator) role; anyone else is refused."""
    bot = bot_of(interaction)
    person = await guild_member(interaction)
    roles = bot.config.roles
    if person is None or not (has_role(person, roles.member) or is_coordinator(person, bot.config)):
        raise NotAllowed(
            "Only members of the community can record and read learnings. Use `/join` to "
            "apply, or `/about` to read about the community."
        )
    return person


async def reader(interaction: discord.Interaction[Any], session: Any) -> Member | None:
    """For reading the group's learnings: members only; their row if the bot has one."""
    await require_member_role(interaction)
    return await member_by_user(session, interaction.user.id)


async def require_member(interaction: discord.Interaction[Any], session: Any) -> Member:
    """The member row of someone holding the member (or coordinator) role, created for a
    member the bot has no record of yet. Anyone else is refused politely."""
    bot = bot_of(interaction)
    person = await guild_member(interaction)
    roles = bot.config.roles
    if person is None or not (has_role(person, roles.member) or is_coordinator(person, bot.config)):
        raise NotAllowed(
            "Only members of the community can record and read learnings. Use `/join` to "
            "apply, or `/about` to read about the community."
        )
    return await ensure_member(
        session,
        person.id,
        person.display_name,
        bot.clock(),
        active=has_role(person, roles.member),
    )


async def own_record(interaction: discord.Interaction[Any], session: Any) -> Member:
    """The person's member row, for acting on their own learnings (alumni too)."""
    member = await member_by_user(session, interaction.user.id)
    if member is None:
        return await require_member(interaction, session)
    return member


# --- the form -------------------------------------------------------------------------


def form_custom_id(mode: str, learning_id: int | None, meeting_id: int | None) -> str:
    return f"{FORM_PREFIX}:{mode}:{learning_id or 0}:{meeting_id or 0}:{secrets.token_hex(4)}"


def parse_form_id(custom_id: str) -> tuple[str, int | None, int | None] | None:
    match = _FORM_ID.match(custom_id)
    if match is None:
        return None
    return (
        match["mode"],
        int(match["learning"]) or None,
        int(match["meeting"]) or None,
    )


class LearningForm(discord.ui.Modal):
    """The five fields of a learning. Its submission is handled by the cog's interaction
    listener (see ``cogs.learnings``), so a form submitted after a restart is not lost."""

    def __init__(
        self,
        *,
        title: str,
        mode: str,
        learning_id: int | None = None,
        meeting_id: int | None = None,
        draft: Draft | None = None,
        too_long: Iterable[str] = (),
    ) -> None:
        super().__init__(
            title=title[:45],
            custom_id=form_custom_id(mode, learning_id, meeting_id),
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


class FixDraftView(discord.ui.View):
    """Offered when the form had a problem: reopens it with everything that was typed."""

    def __init__(
        self,
        owner_id: int,
        draft: Draft,
        fields: set[str],
        mode: str,
        learning_id: int | None,
        meeting_id: int | None,
    ) -> None:
        super().__init__(timeout=3600)
        self.owner_id = owner_id
        self.draft = draft
        self.fields = fields
        self.mode = mode
        self.learning_id = learning_id
        self.meeting_id = meeting_id

    @discord.ui.button(label="Fix it", style=discord.ButtonStyle.primary)
    async def fix(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        if interaction.user.id != self.owner_id:
            await send(interaction, content="This button is for someone else.")
            return
        title = "Edit your learning" if self.mode == "edit" else "Record a learning"
        await interaction.response.send_modal(
            LearningForm(
                title=title,
                mode=self.mode,
                learning_id=self.learning_id,
                meeting_id=self.meeting_id,
                draft=self.draft,
                too_long=self.fields,
            )
        )


def draft_file(draft: Draft) -> discord.File:
    """What the member typed, as a text file only they receive (nothing is lost)."""
    import io

    parts = [f"{spec.label}\n{'-' * len(spec.label)}\n{draft.get(spec.key)}\n" for spec in FIELDS]
    return discord.File(io.BytesIO("\n".join(parts).encode("utf-8")), "your-learning.txt")


# --- showing learnings ------------------------------------------------------------------


def _chunks(text: str, size: int) -> list[str]:
    """Split escaped text into pieces of at most ``size``, never right after a backslash."""
    pieces = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size)
        if cut <= 0:
            cut = size
        while cut > 1 and text[cut - 1] == "\\":
            cut -= 1
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def level_line(level: SharingLevel) -> str:
    return f"`{level.value}`: {LEVEL_MEANINGS[level]}"


def learning_embed(view: LearningView, zone: Any) -> discord.Embed:
    """One learning in full."""
    if view.author is None:
        who = "anonymous"
    else:
        who = f"by {safe(view.author)}" + (" (you)" if view.mine else "")
    meta = [f"#{view.id}", day(view.created_at, zone), who]
    if view.mine or view.sharing is not SharingLevel.GROUP:
        meta.append(f"`{view.sharing.value}`")
    embed = discord.Embed(
        title=safe(view.text.title)[:256] or f"Learning #{view.id}",
        description=" · ".join(meta),
        colour=COLOUR,
    )
    if view.meeting_starts_at is not None:
        embed.description = (embed.description or "") + (
            f"\nFrom the meeting of {show(view.meeting_starts_at, 'D')}"
        )
    size = len(embed.title or "") + len(embed.description or "")
    for label, value in (
        ("What happened", view.text.happened),
        ("What I learned", view.text.learned),
        ("What I would do next time", view.text.next_time),
        ("Themes", ", ".join(view.text.tags)),
    ):
        if not value:
            continue
        for n, piece in enumerate(_chunks(safe(value), FIELD_VALUE_MAX)):
            name = label if n == 0 else f"{label} (continued)"
            if size + len(name) + len(piece) > EMBED_TOTAL_MAX:
                embed.add_field(
                    name="…", value="(too long to show here; `/mydata export` has it all)"
                )
                return embed
            embed.add_field(name=name, value=piece, inline=False)
            size += len(name) + len(piece)
    return embed


def excerpt(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def list_field(view: LearningView, zone: Any, *, show_level: bool, limit: int) -> tuple[str, str]:
    name = f"#{view.id} · {safe(excerpt(view.text.title, 80))}"
    bits = [day(view.created_at, zone)]
    if view.author is not None and not view.mine:
        bits.append(f"by {safe(view.author)}")
    elif view.author is None:
        bits.append("anonymous")
    if show_level or view.mine:
        bits.append(f"`{view.sharing.value}`")
    if view.text.tags:
        bits.append(safe(", ".join(view.text.tags)))
    value = " · ".join(bits)
    if view.text.learned:
        value += "\n" + safe(excerpt(view.text.learned, limit))
    return name[:256], value[:FIELD_VALUE_MAX]


# --- persistent menus and buttons --------------------------------------------------------


def sharing_options(current: SharingLevel) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(
            label=LEVEL_LABELS[level][:100],
            value=level.value,
            description=LEVEL_MEANINGS[level][:100],
            default=level is current,
        )
        for level in SharingLevel
    ]


class ShareSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"learning:share:(?P<id>\d+)"
):
    """Choose who may see a learning (shown with each of the author's learnings)."""

    def __init__(
        self,
        learning_id: int,
        current: SharingLevel = SharingLevel.PRIVATE,
        select: discord.ui.Select[Any] | None = None,
    ) -> None:
        super().__init__(
            select
            or discord.ui.Select(
                custom_id=f"learning:share:{learning_id}",
                placeholder="Who may see it?",
                options=sharing_options(current),
                row=0,
            )
        )
        self.learning_id = learning_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ShareSelect:
        return cls(int(match["id"]), select=cast("discord.ui.Select[Any]", item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        from cogs.learnings import change_sharing

        values = self.item.values
        if not values:
            await interaction.response.defer()
            return
        await guarded(
            interaction,
            "the sharing menu",
            lambda: change_sharing(interaction, self.learning_id, values[0], update=True),
        )


def meeting_options(
    meetings: Sequence[MeetingChoice], current: int | None, zone: Any
) -> list[discord.SelectOption]:
    options = [
        discord.SelectOption(label="Not linked to a meeting", value="none", default=current is None)
    ]
    for m in meetings[:24]:
        local = m.starts_at.astimezone(zone)
        label = f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y, %H:%M')}"
        if m.title:
            label += f" · {m.title}"
        options.append(
            discord.SelectOption(label=label[:100], value=str(m.id), default=m.id == current)
        )
    return options


class MeetingSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"learning:meeting:(?P<id>\d+)"
):
    """Link a learning to one of the recent meetings."""

    def __init__(
        self,
        learning_id: int,
        options: list[discord.SelectOption] | None = None,
        select: discord.ui.Select[Any] | None = None,
    ) -> None:
        super().__init__(
            select
            or discord.ui.Select(
                custom_id=f"learning:meeting:{learning_id}",
                placeholder="Which meeting was it from?",
                options=options or [discord.SelectOption(label="Not linked", value="none")],
                row=1,
            )
        )
        self.learning_id = learning_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MeetingSelect:
        return cls(int(match["id"]), select=cast("discord.ui.Select[Any]", item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        from cogs.learnings import change_meeting

        values = self.item.values
        choice = values[0] if values else "none"
        await guarded(
            interaction,
            "the meeting menu",
            lambda: change_meeting(interaction, self.learning_id, choice),
        )


class LearningButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"learning:(?P<action>edit|delete|delete-yes|delete-no):(?P<id>\d+)",
):
    """Edit / Delete on one of your learnings, and the delete confirmation."""

    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "edit": ("Edit", discord.ButtonStyle.secondary),
        "delete": ("Delete", discord.ButtonStyle.danger),
        "delete-yes": ("Delete it", discord.ButtonStyle.danger),
        "delete-no": ("Keep it", discord.ButtonStyle.secondary),
    }

    def __init__(self, action: str, learning_id: int, row: int | None = 2) -> None:
        label, style = self.LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"learning:{action}:{learning_id}", row=row
            )
        )
        self.action = action
        self.learning_id = learning_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> LearningButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        from cogs.learnings import button_pressed

        await guarded(
            interaction,
            "a learning button",
            lambda: button_pressed(interaction, self.action, self.learning_id),
        )


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"learning:page:(?P<kind>mine|browse):(?P<page>\d+):(?P<tag>.{0,60})",
):
    """Previous / next page of /learning mine and /learning browse."""

    def __init__(
        self, kind: str, page: int, tag: str = "", *, label: str = "", disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or f"Page {page}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"learning:page:{kind}:{page}:{tag}"[:100],
                disabled=disabled,
                row=1,
            )
        )
        self.kind = kind
        self.page = page
        self.tag = tag

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PageButton:
        return cls(match["kind"], int(match["page"]), match["tag"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        from cogs.learnings import show_page

        await guarded(
            interaction,
            "a page button",
            lambda: show_page(interaction, self.kind, self.page, self.tag or None, update=True),
        )


class OpenSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"learning:open:(?P<kind>mine|browse)",
):
    """Read one learning of the page in full."""

    def __init__(
        self,
        kind: str,
        options: list[discord.SelectOption] | None = None,
        select: discord.ui.Select[Any] | None = None,
    ) -> None:
        super().__init__(
            select
            or discord.ui.Select(
                custom_id=f"learning:open:{kind}",
                placeholder="Read one in full…",
                options=options or [discord.SelectOption(label="-", value="0")],
                row=0,
            )
        )
        self.kind = kind

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> OpenSelect:
        return cls(match["kind"], select=cast("discord.ui.Select[Any]", item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        from cogs.learnings import open_one

        values = self.item.values
        if not values or not values[0].isdigit():
            await interaction.response.defer()
            return
        await guarded(
            interaction,
            "the learning menu",
            lambda: open_one(interaction, self.kind, int(values[0])),
        )


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ShareSelect,
    MeetingSelect,
    LearningButton,
    PageButton,
    OpenSelect,
)
