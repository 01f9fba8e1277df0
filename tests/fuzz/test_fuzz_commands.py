"""Every slash command, driven through the emulator with hostile option values.

Hypothesis picks a command from the bot's own command tree, a person (a coordinator, a
member, someone in the server who is not a member), and for each option a value Discord
would deliver: empty and very long strings, unicode with RTL and zero-width characters,
markdown and mentions, NUL, edge dates, huge numbers, ids that do not exist. A command
answered with a form gets the form submitted with hostile values too; an option with
autocomplete is sometimes fuzzed as an autocomplete instead; and a button or menu on the reply
is sometimes pressed, by its owner or by someone else (a form it opens is filled in too).

For every interaction it asserts that:
- the bot answers within Discord's deadline (3 s; ``COP_FUZZ_DEADLINE`` to change it), and a
  deferred answer arrives;
- no reply is the catch-all "Something went wrong on our side";
- nothing is logged at ERROR or with a traceback;
- no message the bot sends can ping: ``allowed_mentions`` is present, parses nobody and
  names no role;
- every request body validates against Discord's published OpenAPI spec.

The seed is fixed. ``COP_FUZZ_EXAMPLES`` sets the number of interactions (default 600, about
a minute on an idle machine); a larger number searches further, and ``COP_FUZZ_SEED`` searches
elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from discord import AppCommandOptionType, app_commands
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.client import CopBot
from bot.replies import INTERNAL_ERROR, STRING_OPTION_MAX
from emulator import RecordedInteraction, RecordedRequest
from emulator.facade import VALIDATE_ENV
from emulator.models import JSON
from tests.e2e.harness import World

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("COP_FUZZ_EXAMPLES", "600"))
SEED = int(os.environ.get("COP_FUZZ_SEED", "20261128"))
DEADLINE = float(os.environ.get("COP_FUZZ_DEADLINE", "3.0"))
"""Discord's deadline for the first answer to an interaction, in seconds."""
FOLLOW_UP_WAIT = 20.0
DISCORD_STRING_MAX = 6000
"""The longest string option value Discord delivers when a command sets no max_length."""
DISCORD_NUMBER_MAX = 2**53 - 1
MISSING_ID = 999_999_999_999_999_999

EDGE_TEXT = [
    "",
    " ",
    "–",
    "..",
    "—",
    "0",
    "-1",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31 23:59",
    "2026-02-30",
    "31/02/2026",
    "1970-01-01 00:00",
    "2100-12-31 23:59",
    "<t:99999999999999:F>",
    "<t:-62135596800>",
    "in 99999999999 years",
    "in 0 minutes",
    "every day at 08:30 starting 0001-01-01",
    "every day at 08:30 until 9999-12-31",
    "RRULE:FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0",
    "FREQ=MINUTELY;BYHOUR=9",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9;INTERVAL=4",
    "every 0 weeks on Monday at 9am",
    "2026-03-01..",
    "..2026-03-10",
    "2026-03-10 – 2026-03-01",
    "@everyone",
    "@here",
    "<@&910000000000000001>",
    f"<@{MISSING_ID}>",
    "<#1>",
    "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block```",
    "[link](https://example.invalid)",
    "\u202eevil\u202c",
    "a\u200bb\u200cc\u200dd\ufeff",
    "\x00",
    "nul\x00inside",
    "\n\n\n",
    "🎉" * 50,
    "'; DROP TABLE members; --",
    "%s %d {0} {name}",
    str(MISSING_ID),
    "-9223372036854775809",
    "9" * 400,
    "x" * 2000,
    "2" * 4000,
    "@everyone " * 500,
]
EDGE_INTS = [0, 1, -1, 2**31, -(2**31), 2**53 - 1, -(2**53 - 1), MISSING_ID % 2**53]
EDGE_FLOATS = [0.0, -0.0, 1e-300, -1.5, 1e15, -1e15, float(2**53 - 1)]


@dataclass(frozen=True)
class Command:
    name: str  # "group sub"
    options: tuple[app_commands.Parameter, ...]
    """As discord.py registers them; for a string option, min_value and max_value are
    lengths."""


class Recorder(logging.Handler):
    """Log records at ERROR and above, and any record carrying a traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


@dataclass
class Fuzz:
    runner: asyncio.Runner
    world: World
    bot: CopBot
    commands: list[Command]
    log: Recorder
    people: dict[str, int]
    stats: dict[str, int] = field(default_factory=dict)


def slash_commands(bot: CopBot) -> list[Command]:
    """Every slash command the bot registers for its guild, from its own command tree."""
    found = []
    for item in bot.tree.walk_commands(guild=bot.guild_object):
        if isinstance(item, app_commands.Command):
            found.append(Command(item.qualified_name, tuple(item.parameters)))
    return sorted(found, key=lambda c: c.name)


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    before = os.environ.get(VALIDATE_ENV)
    os.environ.setdefault(VALIDATE_ENV, "1")
    runner = asyncio.Runner()
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    world = World(tmp)
    recorder = Recorder()
    try:
        runner.run(world.start())
        bot = runner.run(world.start_bot())
        runner.run(bot.wait_until_settled())
        logging.getLogger().addHandler(recorder)
        people = {"coordinator": world.cora.id, "member": world.ana.id, "outsider": world.nina.id}
        fuzz = Fuzz(runner, world, bot, slash_commands(bot), recorder, people)
        yield fuzz
        print(f"fuzzed {len(fuzz.commands)} commands: {fuzz.stats}")  # shown with -s
    finally:
        logging.getLogger().removeHandler(recorder)
        runner.run(world.close())
        runner.close()
        if before is None:
            os.environ.pop(VALIDATE_ENV, None)
        else:
            os.environ[VALIDATE_ENV] = before


def hostile_text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Strings Discord would deliver for a string option bounded to [min_size, max_size]."""
    edge = [t[:max_size] for t in EDGE_TEXT if len(t[:max_size]) >= min_size]
    pieces = st.sampled_from([*EDGE_TEXT[:30], "a", " ", "\u202e", "\u200b", "`", "@", "*"])
    glued = st.lists(pieces, min_size=1, max_size=6).map("".join)
    random = st.text(min_size=min_size, max_size=min(max_size, 300))
    return st.one_of(st.sampled_from(edge) if edge else random, glued, random).filter(
        lambda s: min_size <= len(s) <= max_size
    )


def option_value(fz: Fuzz, option: app_commands.Parameter) -> st.SearchStrategy[Any]:
    world = fz.world
    kind = option.type
    if option.choices:
        return st.sampled_from([c.value for c in option.choices])
    if kind is AppCommandOptionType.string:
        lo = int(option.min_value or 0)
        hi = int(option.max_value or DISCORD_STRING_MAX)
        return hostile_text(lo, hi)
    if kind is AppCommandOptionType.integer:
        lo = int(option.min_value if option.min_value is not None else -DISCORD_NUMBER_MAX)
        hi = int(option.max_value if option.max_value is not None else DISCORD_NUMBER_MAX)
        edges = [v for v in [*EDGE_INTS, lo, hi] if lo <= v <= hi]
        return st.one_of(st.sampled_from(edges), st.integers(lo, hi))
    if kind is AppCommandOptionType.number:
        lo_f = float(option.min_value if option.min_value is not None else -DISCORD_NUMBER_MAX)
        hi_f = float(option.max_value if option.max_value is not None else DISCORD_NUMBER_MAX)
        edges_f = [v for v in [*EDGE_FLOATS, lo_f, hi_f] if lo_f <= v <= hi_f]
        finite = st.floats(lo_f, hi_f, allow_nan=False, allow_infinity=False)
        return st.one_of(st.sampled_from(edges_f), finite)
    if kind is AppCommandOptionType.boolean:
        return st.booleans()
    users = [world.cora, world.ana, world.ben, world.nina, world.emu.world.bot_user]
    if kind is AppCommandOptionType.user:
        return st.sampled_from(users)
    if kind is AppCommandOptionType.role:
        return st.sampled_from([world.coordinator_role, world.member_role, world.alumni_role])
    if kind is AppCommandOptionType.mentionable:
        return st.sampled_from([*users, world.member_role])
    if kind is AppCommandOptionType.channel:
        return st.sampled_from([world.general, world.roster, world.welcome])
    if kind is AppCommandOptionType.attachment:
        return st.sampled_from(
            [("notes.txt", b"hello"), ("empty.csv", b""), ("big.bin", b"\x00" * 200_000)]
        )
    raise AssertionError(f"option {option.display_name} has an unexpected type {kind}")


@st.composite
def interactions(draw: st.DrawFn, fz: Fuzz) -> tuple[str, Command, dict[str, Any], str | None]:
    who = draw(st.sampled_from(sorted(fz.people)))
    command = draw(st.sampled_from(fz.commands))
    values: dict[str, Any] = {}
    for option in command.options:
        if option.required or draw(st.booleans()):
            values[option.display_name] = draw(option_value(fz, option))
    auto = [o for o in command.options if o.autocomplete]
    focused = None
    if auto and draw(st.integers(0, 3)) == 0:
        option = draw(st.sampled_from(auto))
        focused = option.display_name
        values[focused] = draw(hostile_text(0, 100))
    return who, command, values, focused


@dataclass(frozen=True)
class Later:
    """What to do after the bot answers, drawn up front so that what Hypothesis draws never
    depends on the bot's replies (which it could not replay)."""

    texts: tuple[str, ...]
    press: bool
    pick: int
    presser: str
    picks: tuple[int, ...]


def laters(fz: Fuzz) -> st.SearchStrategy[Later]:
    return st.builds(
        Later,
        texts=st.lists(hostile_text(0, 4000), min_size=5, max_size=5).map(tuple),
        press=st.booleans(),
        pick=st.integers(0, 99),
        presser=st.sampled_from(sorted(fz.people)),
        picks=st.lists(st.integers(0, 24), max_size=5).map(tuple),
    )


def modal_values(later: Later, modal: dict[str, Any]) -> dict[str, Any]:
    """Each text input of the form filled with one of the drawn texts, cut to its bounds."""
    values: dict[str, Any] = {}
    n = 0
    for row in modal.get("components", []):
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        for component in inner:
            if component.get("type") == 4:  # a text input
                lo = int(component.get("min_length") or (1 if component.get("required") else 0))
                hi = int(component.get("max_length") or 4000)
                text = later.texts[n % len(later.texts)][:hi]
                values[component["custom_id"]] = text + "x" * max(0, lo - len(text))
                n += 1
    return values


def menu_values(later: Later, options: list[str], least: int, most: int) -> list[str]:
    chosen: list[str] = []
    for k in later.picks:
        if options and options[k % len(options)] not in chosen:
            chosen.append(options[k % len(options)])
    for option in options:
        if len(chosen) >= least:
            break
        if option not in chosen:
            chosen.append(option)
    return chosen[:most]


def _pings_possible(request: RecordedRequest) -> str | None:
    """Why a message this request sends could ping, or None."""
    body = request.json
    if not isinstance(body, dict):
        return None
    data = body.get("data") if "type" in body and "data" in body else body
    if not isinstance(data, dict) or not ({"content", "embeds"} & set(data)):
        return None
    mentions = data.get("allowed_mentions")
    if mentions is None:
        return f"{request.method} {request.path} sends a message without allowed_mentions"
    parse = set(mentions.get("parse") or [])
    if parse or mentions.get("roles"):
        return f"{request.method} {request.path} lets mentions ping: {mentions}"
    return None


async def _run(
    fz: Fuzz,
    later: Later,
    who: str,
    command: Command,
    values: dict[str, Any],
    focused: str | None,
) -> list[str]:
    emu = fz.world.emu
    gid = fz.world.guild.id
    first_request = len(emu.world.requests)
    fz.log.records.clear()
    problems: list[str] = []
    it: RecordedInteraction = await emu.invoke_command(
        gid, fz.people[who], command.name, values, focused=focused
    )
    label = f"/{command.name} as {who} with {values!r:.300}"
    problems += await _answered(it, label)
    if problems:
        return problems
    problems += await _fill_form(fz, later, it, label)
    problems += await _press_something(fz, later, it, who, label)
    await asyncio.sleep(0.05)  # follow-ups and posts the command triggers
    for request in emu.world.requests[first_request:]:
        text = repr(request.json)
        if INTERNAL_ERROR[:30] in text:
            problems.append(f"{label}: answered with the catch-all error")
        if (why := _pings_possible(request)) is not None:
            problems.append(f"{label}: {why}")
    for bad in emu.invalid_bodies:
        problems.append(f"{label}: a body Discord would refuse: {bad}")
    emu.invalid_bodies.clear()
    for record in fz.log.records:
        problems.append(f"{label}: logged {record.levelname} {record.getMessage()!r:.200}")
    return problems


async def _answered(it: RecordedInteraction, what: str) -> list[str]:
    try:
        callback = await it.wait_response(timeout=DEADLINE)
    except (TimeoutError, AssertionError):
        return [f"{what}: no answer within {DEADLINE} s"]
    if callback.type == 5:
        try:
            await it.wait_reply(timeout=FOLLOW_UP_WAIT)
        except (TimeoutError, AssertionError):
            return [f"{what}: deferred, and the answer never came"]
    return []


async def _fill_form(fz: Fuzz, later: Later, it: RecordedInteraction, label: str) -> list[str]:
    """Submit the form ``it`` was answered with (if any) with hostile values."""
    if it.modal is None:
        return []
    fz.stats["forms"] = fz.stats.get("forms", 0) + 1
    try:
        submitted = await fz.world.emu.submit_modal(it, modal_values(later, it.modal))
    except (KeyError, ValueError):
        return []  # the form needs a choice the fuzzer does not make
    return await _answered(submitted, f"{label}, its form submitted")


async def _press_something(
    fz: Fuzz, later: Later, it: RecordedInteraction, who: str, label: str
) -> list[str]:
    """Sometimes press a button or pick from a menu on the reply, as its owner or (on a
    public reply) as anyone."""
    targets: list[tuple[Any, JSON]] = []
    for message in it.messages:
        if message.deleted:
            continue
        for row in message.components:
            for component in row.get("components", []):
                usable = component.get("custom_id") and not component.get("disabled")
                if component.get("type") in (2, 3) and usable:
                    targets.append((message, component))
    if not targets or not later.press:
        return []
    message, component = targets[later.pick % len(targets)]
    presser = who if message.ephemeral else later.presser
    emu, gid, uid = fz.world.emu, fz.world.guild.id, fz.people[presser]
    custom_id = component["custom_id"]
    what = f"{label}, then {custom_id} pressed by {presser}"
    fz.stats["components"] = fz.stats.get("components", 0) + 1
    try:
        if component["type"] == 2:
            pressed = await emu.press_button(gid, uid, message, custom_id)
        else:
            options = [o["value"] for o in component.get("options", [])]
            most = min(int(component.get("max_values", 1)), len(options))
            least = min(int(component.get("min_values", 1)), most)
            chosen = menu_values(later, options, least, most)
            pressed = await emu.choose(gid, uid, message, custom_id, chosen)
    except (KeyError, ValueError):
        return []  # gone or changed meanwhile
    problems = await _answered(pressed, what)
    return problems + await _fill_form(fz, later, pressed, what)


@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_fuzz_every_command_is_answered_clearly(fuzz: Fuzz, data: st.DataObject) -> None:
    who, command, values, focused = data.draw(interactions(fuzz))
    later = data.draw(laters(fuzz))
    kind = "autocomplete" if focused else "command"
    fuzz.stats[kind] = fuzz.stats.get(kind, 0) + 1
    problems = fuzz.runner.run(_run(fuzz, later, who, command, values, focused))
    assert not problems, "\n".join(problems)


def test_fuzz_covers_every_slash_command_and_bounds_its_text(fuzz: Fuzz) -> None:
    names = {c.name for c in fuzz.commands}
    assert len(names) == len(fuzz.commands)  # no two commands share a name
    assert {"about", "remindme", "meeting add", "roster unavailable"} <= names
    for command in fuzz.commands:
        for option in command.options:
            if option.type is AppCommandOptionType.string and not option.choices:
                assert option.max_value is not None, f"/{command.name} {option.display_name}"
                assert option.max_value <= STRING_OPTION_MAX
