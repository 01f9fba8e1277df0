"""The one error path: every sentence clamped, every persistent item answered."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.errors import InvalidInput, NotFound, quote
from bot.replies import INTERNAL_ERROR, MESSAGE_LIMIT, clamp, describe_error, fit
from bot.ui import CopInteraction, CopItem, persistent_view
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


class Boom(CopItem[discord.ui.Button[Any]], template=r"test:boom:(?P<how>\w+)"):
    """A persistent button whose every step can fail."""

    def __init__(self, how: str) -> None:
        super().__init__(discord.ui.Button(label=how, custom_id=f"test:boom:{how}"))
        self.how = how

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Boom:
        if match["how"] == "factory":
            raise NotFound("That button's record is gone. Use `/help` to start again.")
        return cls(match["how"])

    async def pressed(self, interaction: CopInteraction) -> None:
        if self.how == "domain":
            raise InvalidInput(f"`{'z' * 3000}` isn't something I can use. Try `/help`.")
        if self.how == "bug":
            raise RuntimeError("a programming error")
        await interaction.response.send_message(
            f"fine, {interaction.client.config.community.name}", ephemeral=True
        )


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("ok", "fine, "),
        ("domain", "isn't something I can use"),
        ("factory", "That button's record is gone"),
        ("bug", INTERNAL_ERROR),
    ],
)
async def test_cop_item_answers_every_press_through_the_error_path(
    world: World, how: str, says: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await world.start_bot()
    bot.add_dynamic_items(Boom)
    channel = await bot.text_channel(world.general.id)
    posted = await channel.send("Press", view=persistent_view(Boom(how)))
    message = await world.emu.wait_for_message(lambda m: m.id == posted.id)
    it = await world.emu.press_button(world.guild.id, world.ana.id, message, f"test:boom:{how}")
    reply = await it.wait_reply()
    assert says in reply.content
    assert len(reply.content) < 300
    assert reply.ephemeral
    bugs = [r for r in caplog.records if "Ignoring exception" in r.getMessage()]
    assert bugs == []  # nothing fell through to discord.py's own handler
