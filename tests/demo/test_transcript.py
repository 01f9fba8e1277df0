"""The demo's transcript and interactive helpers: times as a reader sees them, ids as
names, a prompt that survives output arriving mid-typing, and errors in plain words."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from bot.demo.interactive import Session, member_sentence
from bot.demo.transcript import Transcript, relative
from emulator import DiscordEmulator, EmulatorEvent


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (4, "in 4 seconds"),
        (-1, "1 second ago"),
        (170, "in 3 minutes"),
        (5 * 3600, "in 5 hours"),
        (-3 * 86400, "3 days ago"),
        (14 * 86400, "in 2 weeks"),
        (3024032, "in 1 month"),
    ],
)
def test_relative_time_reads_like_discord(seconds: float, shown: str) -> None:
    assert relative(seconds) == shown


def _transcript() -> tuple[Transcript, io.StringIO, DiscordEmulator]:
    emu = DiscordEmulator()
    out = io.StringIO()
    console = Console(file=out, record=True, width=120, highlight=False)
    return Transcript(emu, ZoneInfo("UTC"), console), out, emu


def test_command_options_show_people_and_channels_by_name() -> None:
    transcript, _, emu = _transcript()
    cal = emu.add_user("cal", global_name="Cal Chen")
    guild = emu.add_guild("G")
    roster = emu.add_channel(guild.id, "roster")
    text = f"uses /roster swap date:2026-12-12 member:{cal.id} where:{roster.id} count:3"
    assert transcript.names(text) == (
        "uses /roster swap date:2026-12-12 member:@Cal Chen where:#roster count:3"
    )


def test_output_while_prompting_starts_a_line_and_shows_the_prompt_again() -> None:
    transcript, out, emu = _transcript()
    nina = emu.add_user("nina", global_name="Nina Patel")
    transcript.prompt = "cal> "
    transcript(EmulatorEvent("member_join", False, None, None, nina.id))
    shown = out.getvalue()
    assert shown.startswith("\n")
    assert shown.endswith("cal> ")
    assert "Nina Patel joins the server" in shown
    assert "cal> " not in transcript.console.export_text()  # the saved transcript stays clean


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (KeyError("no command 'nonsense' (type 1) is registered for guild 1"),
         "There is no /nonsense command; type `/help` to see them all."),
        (KeyError("command 'roster' needs a subcommand"),
         "/roster needs one more word, like `/roster show`; type `/help` to see them."),
        (ValueError("missing required options ['date']"),
         "That command also needs `date`: add them as name:value."),
        (TimeoutError(), "The bot did not answer in time; try again."),
        (KeyError("something internal 123"),
         "That didn't work; type `help` to see what you can do."),
    ],
)  # fmt: skip
def test_errors_read_as_a_members_sentence(error: Exception, sentence: str) -> None:
    assert member_sentence(error) == sentence


def test_a_menu_option_is_picked_by_label_value_or_number() -> None:
    menu = {
        "options": [
            {"label": "Only you", "value": "private"},
            {"label": "Members", "value": "group"},
        ]
    }
    assert Session.labels(menu) == "Only you, Members"
    assert Session.pick(menu, "members") == "group"
    assert Session.pick(menu, "private") == "private"
    assert Session.pick(menu, "2") == "group"
    assert Session.pick(menu, "everyone") is None
