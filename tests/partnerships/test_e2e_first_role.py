"""Through the emulator: an approved newcomer is offered a light role at their first
meeting by DM, answers after a restart, and the facilitator's hand-over pack names them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.models import Member
from cogs.partnerships.cog import tick
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.learnings.helpers import fixed_keyring, make_members_active
from tests.onboarding import e2e_steps
from tests.partnerships.test_e2e_partnerships import (
    CLOCK_START,
    ONBOARDING_EXTENSIONS,
    button,
    dm_with,
    start_with_onboarding,
)
from tests.reminders.helpers import add_meeting
from tests.reminders.test_e2e_reminders import engine_of

EXTENSIONS = (*ONBOARDING_EXTENSIONS, "cogs.reminders")
MEETING_AT = CLOCK_START + timedelta(days=8, hours=12)
"""Within the offer's horizon (7 days' pack lead + 2), before the pack is due."""


async def test_newcomer_takes_a_role_and_the_pack_names_them(world: World) -> None:
    clock = FakeClock(CLOCK_START)
    await start_with_onboarding(world, clock, EXTENSIONS)
    await make_members_active(world)
    assert world.db is not None
    async with world.db.transaction() as session:
        ana = await session.scalar(select(Member).where(Member.user_id == world.ana.id))
        assert ana is not None
        await add_meeting(session, MEETING_AT, facilitator=ana, place="Room 4", now=CLOCK_START)
    await e2e_steps.fill_and_send(world, world.nina)
    await e2e_steps.approve(world, world.nina)
    await e2e_steps.welcome_done(world, world.nina)

    assert world.bot is not None
    await tick(world.bot)
    await tick(world.bot)  # a second run offers nothing more
    offer = await dm_with(world, world.nina, "A role at your first meeting?")
    assert "scribe" in offer.text
    assert "timekeeper" in offer.text
    choices = [c.rsplit(":", 1)[1] for c in offer.custom_ids() if c.startswith("firstrole:")]
    assert choices == ["0", "1", "no"]  # scribe, timekeeper, No thanks
    assert "Room 4" in offer.text
    assert len([m for m in world.emu.dms_to(world.nina.id) if "A role at" in m.text]) == 1

    await world.restart_bot(keyring=fixed_keyring(), extensions=EXTENSIONS)
    scribe = button(offer, "firstrole:")  # the first role offered
    assert scribe.endswith(":0")
    pressed = await world.emu.press_button(None, world.nina.id, offer, scribe)
    reply = await pressed.wait_reply()
    assert reply.ephemeral
    assert "You're **scribe**" in reply.text

    clock.set(MEETING_AT - timedelta(days=7))
    await engine_of(world.bot).run_due()
    pack = await dm_with(world, world.ana, "hand-over pack")
    assert "Nina Newcomer is scribe" in pack.text
    assert f"<@{world.nina.id}>" not in pack.text
