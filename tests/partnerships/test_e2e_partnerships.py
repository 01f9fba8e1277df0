"""Partnerships through the emulator: a suggestion becomes a partnership, an outcome; a
connection round pairs people and checks in; a newcomer gets a buddy at approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models import Member
from bot.services.partnerships.jobs import ANCHOR
from bot.services.when import parse_recurrence
from cogs.partnerships.cog import tick
from emulator import EmuUser, RecordedMessage
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.learnings.helpers import fixed_keyring, make_members_active, run
from tests.onboarding import e2e_steps

CLOCK_START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
SCHEDULE = "every 4 weeks on Monday at 9:00"


async def start(world: World, clock: FakeClock) -> None:
    await world.start_bot(clock=clock, keyring=fixed_keyring())
    await make_members_active(world)


ONBOARDING_EXTENSIONS = (*e2e_steps.EXTENSIONS, "cogs.notifications", "cogs.partnerships")


async def start_with_onboarding(
    world: World, clock: FakeClock, extensions: tuple[str, ...] = ONBOARDING_EXTENSIONS
) -> None:
    """The bot with onboarding (for /join and approvals) besides partnerships."""
    await e2e_steps.start(world, clock=clock, keyring=fixed_keyring(), extensions=list(extensions))


async def member_id(world: World, user: EmuUser) -> int:
    assert world.db is not None
    async with world.db.transaction() as session:
        found = await session.scalar(select(Member.id).where(Member.user_id == user.id))
    assert found is not None
    return found


async def dm_with(world: World, user: EmuUser, needle: str) -> RecordedMessage:
    def found() -> bool:
        return any(needle in m.text for m in world.emu.dms_to(user.id))

    await world.emu.wait_until(found, 10, f"a DM to {user.username} with {needle!r}")
    return next(m for m in reversed(world.emu.dms_to(user.id)) if needle in m.text)


def button(message: RecordedMessage, prefix: str) -> str:
    return next(c for c in message.custom_ids() if c.startswith(prefix))


async def set_offers(world: World, user: EmuUser, offer: str, need: str) -> None:
    it = await run(world, user.id, "offers edit")
    await it.wait_response()
    assert it.modal is not None
    sent = await world.emu.submit_modal(
        it, {"offer_tags": offer, "offer_text": "", "need_tags": need, "need_text": ""}
    )
    assert "Saved" in (await sent.wait_reply()).text


async def grant_writing_match(
    world: World, command: str, other: EmuUser, other_needs: str = ""
) -> RecordedMessage:
    """Ana offers facilitation and looks for grant writing, which ``other`` offers: Ana's
    reply to ``command`` (a card suggesting someone)."""
    await set_offers(world, world.ana, "facilitation", "grant writing")
    await set_offers(world, other, "grant writing", other_needs)
    it = await run(world, world.ana.id, command)
    return await it.wait_reply()


async def test_a_suggestion_becomes_a_partnership_then_an_outcome(world: World) -> None:
    clock = FakeClock(CLOCK_START)
    await start(world, clock)
    emu = world.emu
    suggestion = await grant_writing_match(world, "partnership suggest", world.ben, "facilitation")
    assert "Ben Brooks" in suggestion.text
    assert "offers grant writing, which you are looking for" in suggestion.text
    pressed = await emu.press_button(
        world.guild.id, world.ana.id, suggestion, button(suggestion, "partner:propose:")
    )
    await pressed.wait_response()
    assert pressed.modal is not None
    sent = await emu.submit_modal(
        pressed, {"interest": "rural health", "brings": "facilitation @everyone"}
    )
    assert "I've asked" in (await sent.wait_reply()).text

    invite = await dm_with(world, world.ben, "would like to partner with you")
    assert not invite.pinged_everyone
    wrong = await emu.press_button(None, world.cal.id, invite, button(invite, "partner:answer:"))
    assert "Only the person invited" in (await wrong.wait_reply()).text
    accept = await emu.press_button(None, world.ben.id, invite, button(invite, "partner:answer:"))
    await accept.wait_response()
    assert accept.modal is not None
    done = await emu.submit_modal(accept, {"brings": "grant writing"})
    assert "has begun" in (await done.wait_reply()).text

    twice = await run(world, world.ben.id, "partnership propose", {"member": world.ana.id})
    await twice.wait_response()
    assert twice.modal is not None
    again = await emu.submit_modal(twice, {"interest": "youth", "brings": "x"})
    assert "already have an open partnership" in (await again.wait_reply()).text

    clock.advance(days=31)
    assert world.bot is not None
    await tick(world.bot)
    checkin = await dm_with(world, world.ana, "How is your partnership")
    complete = next(c for c in checkin.custom_ids() if c.endswith(":complete"))
    pressed = await emu.press_button(None, world.ana.id, checkin, complete)
    assert "is complete" in (await pressed.wait_reply()).text

    made = await run(world, world.ana.id, "partnership outcome", {"partnership": 1})
    assert "Recorded as outcome" in (await made.wait_reply()).text
    listed = await run(world, world.ben.id, "partnership list")
    text = (await listed.wait_reply()).text
    assert "Ana Alvarez" in text
    assert "grant writing" in text
    outcomes = await run(world, world.ben.id, "outcome list")
    assert "Waiting for your answer" in (await outcomes.wait_reply()).text


async def test_a_connection_round_pairs_everyone_and_checks_in(world_factory) -> None:  # type: ignore[no-untyped-def]
    world: World = await world_factory(connections={"schedule": SCHEDULE})
    zone = ZoneInfo("Australia/Brisbane")
    first = parse_recurrence(SCHEDULE, zone, ANCHOR).occurrences(
        CLOCK_START, CLOCK_START + timedelta(days=30)
    )[0]
    clock = FakeClock(first - timedelta(hours=1))
    await start(world, clock)
    people = [world.ana, world.ben, world.cal, world.dee, world.cora]
    for user in people:
        joined = await run(world, user.id, "connections join")
        assert "You're in" in (await joined.wait_reply()).text
    assert world.bot is not None
    await tick(world.bot)
    assert not any("Your connection" in m.text for m in world.emu.dms_to(world.ana.id))

    clock.set(first + timedelta(minutes=5))
    await tick(world.bot)
    await tick(world.bot)  # a second run makes no second round
    for user in people:
        dm = await dm_with(world, user, "Your connection for this round")
        assert button(dm, "partner:propose:")
    sent = sum(1 for u in people for m in world.emu.dms_to(u.id) if "Your connection" in m.text)
    assert sent == 5

    clock.set(first + timedelta(days=14, minutes=5))
    await tick(world.bot)
    ask = await dm_with(world, world.ana, "Did you meet?")
    met = next(c for c in ask.custom_ids() if c.endswith(":met"))
    pressed = await world.emu.press_button(None, world.ana.id, ask, met)
    assert "We met" in (await pressed.wait_reply()).text

    summary = await run(world, world.cora.id, "connections summary")
    text = (await summary.wait_reply()).text
    assert "1 rounds, 2 pairs or trios, 5 places" in text
    assert "1 met" in text
    for user in people:
        assert (user.global_name or "") not in text
    refused = await run(world, world.ana.id, "connections summary")
    assert "Only coordinators" in (await refused.wait_reply()).text


async def test_a_newcomer_gets_a_buddy_at_approval(world: World) -> None:
    clock = FakeClock(CLOCK_START)
    await start_with_onboarding(world, clock)
    await make_members_active(world)
    assert world.db is not None
    async with world.db.transaction() as session:
        for user in (world.ana, world.ben):
            row = await session.scalar(select(Member).where(Member.user_id == user.id))
            assert row is not None
            row.interests = ["rural health", "co-design"]
    await e2e_steps.fill_and_send(world, world.nina)
    await e2e_steps.approve(world, world.nina)
    await e2e_steps.welcome_done(world, world.nina)

    assert world.bot is not None
    await tick(world.bot)

    def asked() -> list[EmuUser]:
        return [
            u
            for u in (world.ana, world.ben)
            if any("Be a buddy?" in m.text for m in world.emu.dms_to(u.id))
        ]

    await world.emu.wait_until(lambda: bool(asked()), 10, "a buddy question")
    assert len(asked()) == 1, "exactly one person is asked first"
    first = asked()[0]
    second = world.ben if first is world.ana else world.ana
    ask = await dm_with(world, first, "Be a buddy?")
    no = await world.emu.press_button(
        None, first.id, ask, button(ask, "buddy:").replace(":yes", ":no")
    )
    assert "ask someone else" in (await no.wait_reply()).text
    ask2 = await dm_with(world, second, "Be a buddy?")
    late = await world.emu.press_button(None, first.id, ask, button(ask, "buddy:"))
    assert "answered already" in (await late.wait_reply()).text
    yes = await world.emu.press_button(None, second.id, ask2, button(ask2, "buddy:"))
    assert "You're **Nina Newcomer**'s buddy" in (await yes.wait_reply()).text
    await world.emu.wait_until(
        lambda: any("is your buddy" in m.text for m in world.emu.messages_in(world.welcome.id)),
        10,
        "the buddy note",
    )
    post = next(m for m in world.emu.messages_in(world.welcome.id) if "is your buddy" in m.text)
    assert set(post.pinged_user_ids) == {world.nina.id}

    clock.advance(days=15)
    await tick(world.bot)
    await dm_with(world, world.nina, "Two weeks on")
    await dm_with(world, second, "Two weeks on")
    nina_id = await member_id(world, world.nina)
    assert nina_id > 0


async def test_coordinators_are_told_when_nobody_can_be_the_buddy(world: World) -> None:
    await start_with_onboarding(world, FakeClock(CLOCK_START))
    await make_members_active(world)
    assert world.db is not None
    async with world.db.transaction() as session:
        row = await session.scalar(select(Member).where(Member.user_id == world.ana.id))
        assert row is not None
        row.interests = ["rural health", "co-design"]  # Ana alone shares Nina's interests
    await e2e_steps.fill_and_send(world, world.nina)
    await e2e_steps.approve(world, world.nina)
    await e2e_steps.welcome_done(world, world.nina)
    assert world.bot is not None
    await tick(world.bot)
    ask = await dm_with(world, world.ana, "Be a buddy?")
    no_id = next(c for c in ask.custom_ids() if c.startswith("buddy:") and c.endswith(":no"))
    no = await world.emu.press_button(None, world.ana.id, ask, no_id)
    assert "a coordinator will find them a buddy" in (await no.wait_reply()).text
    await world.emu.wait_until(
        lambda: any(
            "could be their buddy" in m.text for m in world.emu.messages_in(world.coordinators.id)
        ),
        10,
        "the coordinators' note",
    )
