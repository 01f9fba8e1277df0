"""Fifty members press /roster volunteer for the same meeting at once, through the
emulator and the real bot: one is told yes, the other 49 are told who has it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from emulator import EmuUser
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.rotation.helpers import start_with_series

START = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # Monday 2 March, 08:00 in Brisbane
EXTENSIONS = ["cogs.about", "cogs.rotation"]
PRESSES = 50


async def test_fifty_volunteers_at_once_get_one_yes(world: World) -> None:
    crowd: list[EmuUser] = []
    for i in range(PRESSES):
        user = world.emu.add_user(f"vol{i}", global_name=f"Volunteer {i}")
        world.emu.add_member(world.guild.id, user.id, roles=[world.member_role.id])
        crowd.append(user)
    await start_with_series(world, FakeClock(START), EXTENSIONS, members=[*world.members, *crowd])
    # The fourth meeting (14 April) is automatic and far enough ahead to be open.
    presses = await asyncio.gather(
        *(
            world.emu.invoke_command(
                world.guild.id, user.id, "roster volunteer", {"date": "2026-04-14"}
            )
            for user in crowd
        )
    )
    replies = await asyncio.gather(*(p.wait_reply(timeout=30) for p in presses))

    yes = [r for r in replies if r.text.startswith("Thank you!")]
    no = [r for r in replies if "has already taken that meeting" in r.text]
    assert len(yes) == 1
    assert len(no) == PRESSES - 1
    assert all(r.ephemeral for r in replies)
    winner = next(u for u, r in zip(crowd, replies, strict=True) if r in yes)
    assert all(f"<@{winner.id}>" in r.text for r in no)
    assert not any(r.pinged_user_ids for r in replies)
    roster = await world.emu.invoke_command(
        world.guild.id, world.ana.id, "roster show", {"count": 4}
    )
    shown = await roster.wait_reply()
    fourth = [line for line in shown.text.splitlines() if "facilitator <@" in line][3]
    assert f"<@{winner.id}>" in fourth
