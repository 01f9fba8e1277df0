"""Arriving in a server that already exists, end to end: the real bot against the
emulator. No bulk DMs; one How to join post; only later arrivals get the welcome DM."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import Member, MemberStatus
from tests.e2e.harness import World
from tests.onboarding.e2e_steps import cog, posts_in, start

CROWD = 1000


def fill(world: World, size: int) -> list[int]:
    """``size`` people in the server before the bot arrives; every fifth holds the
    member role."""
    ids = []
    for n in range(size):
        user = world.emu.add_user(f"person{n}", global_name=f"Person {n}")
        roles = [world.member_role.id] if n % 5 == 0 else []
        world.emu.add_member(world.guild.id, user.id, roles=roles)
        ids.append(user.id)
    return ids


def dms_sent(world: World) -> int:
    return sum(len(world.emu.dms_to(u)) for u in world.emu.users)


async def test_first_connect_to_a_thousand_person_server_sends_no_dm(world: World) -> None:
    fill(world, CROWD)
    await start(world)
    w = world
    assert dms_sent(w) == 0
    assert not w.emu.requests_to("POST", "/users/@me/channels")
    [how] = posts_in(w, w.welcome.id, "/join")
    assert "How to join" in how.text
    assert w.db is not None
    async with w.db.transaction() as session:
        active = await session.scalar(
            select(func.count()).select_from(Member).where(Member.status == MemberStatus.ACTIVE)
        )
    assert active == CROWD // 5 + len(w.members)  # member-role holders are recognised

    olly = w.emu.add_user("olly", global_name="Olly Open")
    await w.emu.member_join(w.guild.id, olly.id)
    dm = await w.emu.wait_for_message(lambda m: m in w.emu.dms_to(olly.id))
    assert "/join" in dm.text
    await cog(w).run_sweep()
    assert len(w.emu.dms_to(olly.id)) == 1
    assert dms_sent(w) == 1

    await w.stop_bot()
    await start(w)  # reconnecting updates the one post, never a second one
    assert len(posts_in(w, w.welcome.id, "/join")) == 1
    assert dms_sent(w) == 1
