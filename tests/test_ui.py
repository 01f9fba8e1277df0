"""The one error path: every sentence clamped, every persistent item answered."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import discord
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands

from bot import port
from bot.client import CopBot
from bot.errors import InvalidInput, NotAllowed, NotFound, quote
from bot.replies import INTERNAL_ERROR, MESSAGE_LIMIT, clamp, describe_error, fit
from bot.ui import (
    CopButton,
    CopCog,
    CopInteraction,
    CopSelect,
    FieldsModal,
    TextField,
    choices,
    custom_id_format,
    page_buttons,
    persistent_view,
    send,
)
from tests.e2e.harness import World


def test_quote_cuts_and_neutralises_member_input() -> None:
    quoted = quote("`@everyone`\u202e\x00" + "a" * 300)
    assert quoted.startswith("`")
    assert quoted.endswith("`")
    inner = quoted[1:-1]
    assert "`" not in inner
    assert "\x00" not in inner
    assert "\u202e" not in inner
    assert len(inner) <= 101
    assert inner.endswith("…")
    assert quote("") == "`(empty)`"


def test_clamp_keeps_a_huge_echo_under_discords_limit() -> None:
    sentence = f"`{'2' * 4000}` isn't a date. Try `2026-03-17`."
    out = clamp(sentence)
    assert len(out) < MESSAGE_LIMIT
    spans = re.findall(r"`([^`]*)`", out)
    assert spans[0] == "2" * 100 + "…"
    assert spans[1] == "2026-03-17"


def test_clamp_neutralises_mass_mentions_outside_quotes() -> None:
    out = clamp("Hello @everyone and @here and <@&123>; `@everyone` stays quoted.")
    assert "@everyone " not in out.split("`")[0]
    assert "@\u200beveryone" in out
    assert "@\u200bhere" in out
    assert "<@\u200b&123>" in out


def test_clamp_closes_a_quote_it_cuts_through() -> None:
    out = clamp("x" * 1890 + " `" + "y" * 50 + "`", quote_limit=100)
    assert len(out) <= 1900
    assert out.count("`") % 2 == 0


def test_fit_only_cuts_what_the_bot_composed() -> None:
    listing = "`" + "a" * 300 + "`"
    assert fit(listing) == listing  # a long code span the bot wrote stays whole
    assert len(fit("b" * 5000)) == MESSAGE_LIMIT


def test_describe_error_clamps_domain_and_argument_errors() -> None:
    sentence = describe_error(InvalidInput("`" + "9" * 5000 + "` is too long."))
    assert sentence is not None
    assert len(sentence) < 200
    integer = discord.AppCommandOptionType.integer
    transformer = app_commands.TransformerError(
        "x" * 3000, integer, app_commands.transformers.IdentityTransformer(integer)
    )
    described = describe_error(transformer)
    assert described is not None
    assert len(described) < 200
    assert describe_error(RuntimeError("a bug")) is None


class Boom(CopButton, template=r"test:boom:(?P<how>\w+)"):
    """A persistent button whose every step can fail: ``factory`` fails while the press
    rebuilds it from its custom id (as when its record is gone)."""

    how: str
    label = "Boom"

    def __post_init__(self) -> None:
        if self.how == "factory":
            raise NotFound("That button's record is gone. Use `/help` to start again.")
        super().__post_init__()

    async def pressed(self, interaction: CopInteraction) -> None:
        if self.how == "domain":
            raise InvalidInput(f"`{'z' * 3000}` isn't something I can use. Try `/help`.")
        if self.how == "bug":
            raise RuntimeError("a programming error")
        await interaction.response.send_message(
            f"fine, {interaction.client.config.community.name}", ephemeral=True
        )


class Gate(CopButton, template=r"test:gate:(?P<how>check|callback)"):
    """Overrides discord.py's own hooks: both are still on the one error path."""

    how: str
    label = "Gate"

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if self.how == "check":
            raise NotAllowed("Only the gatekeeper may press this.")
        return True

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        raise InvalidInput("The callback refused: try `/help`.")


@pytest.mark.parametrize(
    ("custom_id", "says"),
    [
        ("test:boom:ok", "fine, "),
        ("test:boom:domain", "isn't something I can use"),
        ("test:boom:factory", "That button's record is gone"),
        ("test:boom:bug", INTERNAL_ERROR),
        ("test:gate:check", "Only the gatekeeper"),
        ("test:gate:callback", "The callback refused"),
    ],
)
async def test_cop_item_answers_every_press_through_the_error_path(
    world: World, custom_id: str, says: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await world.start_bot()
    bot.add_dynamic_items(Boom, Gate)
    channel = await bot.text_channel(world.general.id)
    # A button posted earlier: the press rebuilds the item from its custom id.
    button: discord.ui.Button[Any] = discord.ui.Button(label="Press", custom_id=custom_id)
    posted = await channel.send("Press", view=persistent_view(button))
    message = await world.emu.wait_for_message(lambda m: m.id == posted.id)
    it = await world.emu.press_button(world.guild.id, world.ana.id, message, custom_id)
    reply = await it.wait_reply()
    assert says in reply.content
    assert len(reply.content) < 300
    assert reply.ephemeral
    bugs = [r for r in caplog.records if "Ignoring exception" in r.getMessage()]
    assert bugs == []  # nothing fell through to discord.py's own handler


class Vote(CopButton, template=r"test:vote:(?P<poll_id>[0-9]+):(?P<choice>yes|no|[0-9])"):
    """A persistent button declared by its template alone."""

    poll_id: int
    choice: str = choices({"yes": ("Yes", discord.ButtonStyle.success), "no": "No", "3": "Three"})

    async def pressed(self, interaction: CopInteraction) -> None:
        if self.poll_id == 0:
            raise NotFound("That poll is gone. Use `/help` to start again.")
        kinds = f"{type(self.poll_id).__name__} {type(self.choice).__name__}"
        await send(interaction, f"{kinds} {self.poll_id + 1} {self.choice}")


class Ping(CopButton, template=r"test:ping:(?P<code>\w+)"):
    code: str
    label = "Ping"
    style = discord.ButtonStyle.primary


def test_cop_button_builds_its_custom_id_and_look_from_its_fields() -> None:
    yes, no = Vote(41, "yes"), Vote(poll_id=41, choice="no")
    assert (yes.custom_id, yes.item.label, yes.item.style) == (
        "test:vote:41:yes",
        "Yes",
        discord.ButtonStyle.success,
    )
    assert (no.custom_id, no.item.label, no.item.style) == (
        "test:vote:41:no",
        "No",
        discord.ButtonStyle.secondary,
    )
    ping = Ping("abc")
    assert (ping.custom_id, ping.item.label, ping.item.style) == (
        "test:ping:abc",
        "Ping",
        discord.ButtonStyle.primary,
    )
    assert yes.as_port() == port.Button("Yes", custom_id="test:vote:41:yes", style="success")
    with pytest.raises(ValueError, match="does not match the template"):
        Vote(41, "maybe")


def test_custom_id_format_follows_the_templates_named_groups() -> None:
    assert custom_id_format(r"a:(?P<n>\d+):(?P<yes>yes|no)") == "a:{n}:{yes}"
    assert custom_id_format(r"b:(?P<id>[0-9]{1,19})") == "b:{id}"
    assert custom_id_format(re.escape("d:x-y{z}") + r":(?P<n>\d+)") == "d:x-y{{z}}:{n}"
    assert custom_id_format(re.escape("d:x-y{z}")).format() == "d:x-y{z}"
    with pytest.raises(TypeError, match="only named groups"):
        custom_id_format(r"c:(\d+)")
    with pytest.raises(TypeError, match="only named groups"):
        custom_id_format(r"c:\d+:(?P<n>\d+)")


def test_cop_button_refuses_fields_that_do_not_match_its_groups() -> None:
    with pytest.raises(TypeError, match="!= groups"):

        class Missing(CopButton, template=r"test:missing:(?P<a>\d+):(?P<b>\d+)"):
            a: int

    with pytest.raises(TypeError, match="item's own"):

        class Clash(CopButton, template=r"test:clash:(?P<row>\d+)"):
            row: int

    with pytest.raises(TypeError, match=r"choices \['maybe'\] do not match \(yes\|no\)"):

        class Unmatched(CopButton, template=r"test:unmatched:(?P<flag>yes|no)"):
            flag: str = choices({"yes": "Yes", "maybe": "Maybe"})

    with pytest.raises(TypeError, match="only one field"):

        class Twice(CopButton, template=r"test:twice:(?P<a>yes|no):(?P<b>yes|no)"):
            a: str = choices({"yes": "Yes"})
            b: str = choices({"no": "No"})

    with pytest.raises(TypeError, match="must be int, str, bool or an Enum"):

        class Odd(CopButton, template=r"test:odd:(?P<flag>[0-9.]+)"):
            flag: float

    with pytest.raises(TypeError, match=r"needs the group yes\|no"):

        class Unsure(CopButton, template=r"test:unsure:(?P<flag>yes|no|maybe)"):
            flag: bool


class Size(enum.StrEnum):
    SMALL = "small"
    LARGE = "large"


class Toggle(CopButton, template=r"test:toggle:(?P<toggle_id>\d+):(?P<on>yes|no):(?P<size>\w+)"):
    toggle_id: int
    on: bool
    size: Size = choices({"small": "Small", "large": ("Large", discord.ButtonStyle.primary)})


@pytest.mark.parametrize(
    ("on", "size", "custom_id", "look"),
    [
        (True, Size.LARGE, "test:toggle:5:yes:large", ("Large", discord.ButtonStyle.primary)),
        (False, Size.SMALL, "test:toggle:5:no:small", ("Small", discord.ButtonStyle.secondary)),
    ],
)
async def test_cop_button_spells_bool_and_enum_fields_and_parses_them_back(
    on: bool, size: Size, custom_id: str, look: tuple[str, discord.ButtonStyle]
) -> None:
    toggle = Toggle(5, on, size)
    assert (toggle.custom_id, toggle.item.label, toggle.item.style) == (custom_id, *look)
    match = toggle.template.fullmatch(custom_id)
    assert match is not None
    parsed = await Toggle.from_custom_id(cast(Any, None), toggle.item, match)
    assert (parsed.toggle_id, parsed.on, parsed.size) == (5, on, size)
    assert type(parsed.size) is Size


@pytest.mark.parametrize(
    ("custom_id", "says"),
    [
        ("test:vote:41:yes", "int str 42 yes"),
        ("test:vote:7:no", "int str 8 no"),
        ("test:vote:7:3", "int str 8 3"),
        ("test:vote:0:yes", "That poll is gone"),
    ],
)
async def test_cop_button_press_parses_its_fields_back(
    world: World, custom_id: str, says: str
) -> None:
    bot = await world.start_bot()
    bot.add_dynamic_items(Vote)
    channel = await bot.text_channel(world.general.id)
    votes = persistent_view(Vote(41, "yes"), Vote(7, "no"), Vote(7, "3"))
    posted = await channel.send("Vote", view=votes)
    zero = await channel.send("Gone", view=persistent_view(Vote(0, "yes")))
    target = zero if custom_id.startswith("test:vote:0:") else posted
    message = await world.emu.wait_for_message(lambda m: m.id == target.id)
    it = await world.emu.press_button(world.guild.id, world.ana.id, message, custom_id)
    reply = await it.wait_reply()
    assert says in reply.content
    assert reply.ephemeral


class Bell(CopButton, template=r"test:bell"):
    """A button without fields: built with no arguments."""

    label = "Ring"
    emoji = "🔔"


class Leaf(CopButton, template=r"test:leaf:(?P<page>\d+)"):
    page: int
    label = "Page"


def test_cop_button_shows_its_emoji_and_one_messages_look() -> None:
    bell = Bell()
    assert (bell.custom_id, bell.item.label, str(bell.item.emoji)) == ("test:bell", "Ring", "🔔")
    assert bell.as_port() == port.Button("Ring", custom_id="test:bell", emoji="🔔")
    shown = Leaf(3).shown(label="Next", disabled=True, row=2)
    assert (shown.custom_id, shown.item.label, shown.item.disabled, shown.row) == (
        "test:leaf:3",
        "Next",
        True,
        2,
    )


def test_page_buttons_point_to_the_pages_either_side() -> None:
    assert page_buttons(Leaf, 1, 1) == []
    newer, older = page_buttons(Leaf, 1, 3, row=1)
    assert [(b.custom_id, b.item.label, b.item.disabled, b.row) for b in (newer, older)] == [
        ("test:leaf:0", "◀ Newer", True, 1),
        ("test:leaf:2", "Older ▶", False, 1),
    ]
    newer, older = page_buttons(Leaf, 3, 3)
    assert (newer.custom_id, newer.item.disabled, older.item.disabled) == (
        "test:leaf:2",
        False,
        True,
    )


class Pick(CopSelect, template=r"test:pick:(?P<poll_id>\d+)"):
    """A persistent menu declared by its template alone."""

    poll_id: int
    placeholder = "Pick one"

    async def pressed(self, interaction: CopInteraction) -> None:
        await send(interaction, f"{self.poll_id + 1} {','.join(self.item.values)}")


class Several(CopSelect, template=r"test:several"):
    any_number = True


OPTIONS = [discord.SelectOption(label=name, value=name) for name in ("a", "b", "c")]


def test_cop_select_builds_its_custom_id_and_offers_options() -> None:
    pick = Pick(7).offering(OPTIONS)
    assert (pick.custom_id, pick.item.placeholder) == ("test:pick:7", "Pick one")
    assert [o.value for o in pick.item.options] == ["a", "b", "c"]
    assert (pick.item.min_values, pick.item.max_values) == (1, 1)
    several = Several().offering(OPTIONS)
    assert (several.custom_id, several.item.min_values, several.item.max_values) == (
        "test:several",
        0,
        3,
    )
    with pytest.raises(TypeError, match="item's own"):

        class Clash(CopSelect, template=r"test:clash-menu:(?P<placeholder>\w+)"):
            placeholder: str  # type: ignore[misc]  # the clash is the point


async def test_cop_select_choice_reaches_the_menu_rebuilt_from_its_custom_id(
    world: World,
) -> None:
    bot = await world.start_bot()
    bot.add_dynamic_items(Pick)
    channel = await bot.text_channel(world.general.id)
    posted = await channel.send("Pick", view=persistent_view(Pick(41).offering(OPTIONS)))
    message = await world.emu.wait_for_message(lambda m: m.id == posted.id)
    it = await world.emu.choose(world.guild.id, world.ana.id, message, "test:pick:41", ["b"])
    reply = await it.wait_reply()
    assert reply.content == "42 b"
    assert reply.ephemeral


async def test_cop_select_for_any_number_can_clear_every_choice(world: World) -> None:
    """/notifications' menu of optional DMs: a CopSelect with ``any_number``."""
    await world.start_bot()
    await world.add_active_members()
    it = await world.emu.invoke_command(world.guild.id, world.ana.id, "notifications")
    panel = await it.wait_reply()
    assert "✅ **Learning prompts**" in panel.text
    menu = panel.find_component("notif:kinds")
    assert (menu["min_values"], menu["max_values"]) == (0, len(menu["options"]))
    assert panel.find_component("notif:quiet")["emoji"]["name"] == "🌙"
    chosen = await world.emu.choose(world.guild.id, world.ana.id, panel, "notif:kinds", [])
    updated = await chosen.wait_reply()
    assert "🚫 **Learning prompts**" in updated.text
    assert "✅ **Learning prompts**" not in updated.text


class _Dynamic:
    """What a CopCog asks of its bot: dynamic items and a scheduler."""

    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.items: set[type[Any]] = set()

    def add_dynamic_items(self, *items: type[Any]) -> None:
        self.items.update(items)

    def remove_dynamic_items(self, *items: type[Any]) -> None:
        self.items.difference_update(items)


async def _tick() -> None:
    return None


class _Ticking(CopCog):
    persistent_items = (Gate,)

    async def cog_load(self) -> None:
        await super().cog_load()
        self.schedule("test:tick", _tick, IntervalTrigger(minutes=5), grace_seconds=60)
        self.schedule(
            "test:soon", _tick, IntervalTrigger(hours=1), grace_seconds=3600, first_after=30
        )


async def test_cop_cog_schedules_its_jobs_and_removes_them_with_its_items() -> None:
    bot = _Dynamic()
    bot.scheduler.start(paused=True)
    cog = _Ticking(cast("CopBot", bot))
    before = datetime.now(UTC)
    await cog.cog_load()
    assert bot.items == {Gate}
    tick = bot.scheduler.get_job("test:tick")
    soon = bot.scheduler.get_job("test:soon")
    assert tick is not None
    assert soon is not None
    assert (tick.coalesce, tick.misfire_grace_time) == (True, 60)
    assert soon.next_run_time >= before + timedelta(seconds=30)
    await cog.cog_load()  # loading again replaces the jobs rather than adding more
    assert len(bot.scheduler.get_jobs()) == 2
    await cog.cog_unload()
    assert bot.items == set()
    assert bot.scheduler.get_jobs() == []
    bot.scheduler.shutdown(wait=False)


async def test_fields_modal_prefills_within_each_limit_and_reads_back_by_key() -> None:
    fields = (
        TextField("name", "Name", 5, "e.g. Sam"),
        TextField("note", "A note", 100, paragraph=True, required=False),
    )
    modal = FieldsModal(fields, {"name": "Alexandra"}, title="About you", timeout=None)
    name, note = modal.inputs["name"], modal.inputs["note"]
    assert (name.default, name.max_length, name.placeholder, name.required) == (
        "Alexa",
        5,
        "e.g. Sam",
        True,
    )
    assert (note.default, note.style, note.placeholder, note.required) == (
        None,
        discord.TextStyle.paragraph,
        None,
        False,
    )
    assert modal.children == [name, note]
    assert modal.typed == {"name": "Alexa", "note": ""}  # before a submission: the prefill
