"""``/onboarding invite`` end to end: a preview count, a confirmation (ephemeral, so only
the invoker sees it; its view also refuses anyone else), then one paced DM each through
the outbound path, with progress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from emulator import EmuUser, RecordedMessage
from tests.e2e.harness import World
from tests.onboarding.e2e_steps import press, start


async def first_dm(world: World, user: EmuUser) -> RecordedMessage:
    await world.emu.wait_until(lambda: bool(world.emu.dms_to(user.id)), 10, f"a DM to {user}")
    return world.emu.dms_to(user.id)[0]


async def test_invite_previews_confirms_and_sends_once_each(
    world_factory: Callable[..., Awaitable[World]],
) -> None:
    w = await world_factory(notifications={"dm_per_second": 5})
    visitors_role = w.emu.add_role(w.guild.id, "Visitors")
    people: list[EmuUser] = []
    for n in range(7):
        user = w.emu.add_user(f"guest{n}", global_name=f"Guest {n}")
        w.emu.add_member(w.guild.id, user.id, roles=[visitors_role.id] if n < 3 else [])
        people.append(user)
    visitors = people[:3]
    owner = w.emu.guild(w.guild.id).owner_id  # in the server, not a member: invitable too
    others = [*people[3:], w.nina, w.emu.user(owner)]
    await start(w)
    assert not any(w.emu.dms_to(u.id) for u in [*people, w.nina])  # nothing on arrival

    it = await w.emu.invoke_command(
        w.guild.id, w.cora.id, "onboarding invite", {"role": visitors_role.id}
    )
    preview = await it.wait_reply(timeout=10)
    assert preview.ephemeral
    assert "**3** people" in preview.text
    assert not any(w.emu.dms_to(u.id) for u in visitors)  # nothing before confirming
    await press(w, w.cora, preview, preview.custom_ids()[0])
    for user in visitors:
        dm = await first_dm(w, user)
        assert "/join" in dm.text
    await w.emu.wait_until(
        lambda: "Invitations done: 3 of 3 sent" in w.emu.message(preview.id).text,
        10,
        "the progress to show the batch done",
    )

    everyone = await w.emu.invoke_command(w.guild.id, w.cora.id, "onboarding invite")
    second = await everyone.wait_reply(timeout=10)
    assert f"**{len(others)}** people" in second.text  # the visitors are not asked again
    await press(w, w.cora, second, second.custom_ids()[0])
    for user in others:
        await first_dm(w, user)
    for user in [*people, *others]:
        assert len(w.emu.dms_to(user.id)) == 1
    for member in w.members:
        assert not w.emu.dms_to(member.id)

    again = await w.emu.invoke_command(w.guild.id, w.cora.id, "onboarding invite")
    assert "Nobody to invite" in (await again.wait_reply(timeout=10)).text
