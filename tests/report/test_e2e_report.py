"""Outcomes and the report through the emulator: forms, consent buttons, the deferred
report with its attachments."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.learnings.helpers import fixed_keyring, make_members_active, run

CLOCK_START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


async def start(world: World) -> None:
    await world.start_bot(clock=FakeClock(CLOCK_START), keyring=fixed_keyring())
    await make_members_active(world)


async def test_outcome_names_people_only_after_they_agree(world: World) -> None:
    await start(world)
    emu = world.emu
    it = await run(
        world,
        world.ana.id,
        "outcome add",
        {"kind": "grant_application", "person1": world.ben.id, "person2": world.cal.id},
    )
    await it.wait_response()
    assert it.modal is not None, "the form did not open"
    submitted = await emu.submit_modal(
        it,
        {
            "title": "Youth hub grant @everyone",
            "date": "2026-11-03",
            "description": "Three of us applied together.",
            "link": "https://example.org/grant",
        },
    )
    reply = await submitted.wait_reply()
    assert "Recorded outcome **#1**" in reply.text
    assert reply.ephemeral

    asks = emu.dms_to(world.ben.id)
    assert asks, "Ben was not asked"
    ask = asks[-1]
    assert "Youth hub grant" in ask.text
    assert not ask.pinged_everyone
    yes = next(c for c in ask.custom_ids() if c.endswith(":yes"))
    # Only Ben can answer for Ben.
    other = await emu.press_button(None, world.cal.id, ask, yes)
    assert "for the person named" in (await other.wait_reply()).text
    pressed = await emu.press_button(None, world.ben.id, ask, yes)
    assert "you are named" in (await pressed.wait_reply()).text
    again = await emu.press_button(None, world.ben.id, ask, yes)
    assert "already answered" in (await again.wait_reply()).text

    listed = await run(world, world.dee.id, "outcome list")
    text = (await listed.wait_reply()).text
    assert "Youth hub grant" in text
    assert "Ben Brooks" in text
    assert "Cal Chen" not in text  # Cal has not agreed
    assert "1 still to answer" in text

    # Cal answers from /outcome list instead of the DM.
    mine = await run(world, world.cal.id, "outcome list")
    shown = await mine.wait_reply()
    assert "Waiting for your answer" in shown.text
    no = next(c for c in shown.custom_ids() if c.endswith(":no"))
    pressed = await emu.press_button(world.guild.id, world.cal.id, shown, no)
    assert "not named" in (await pressed.wait_reply()).text

    refused = await run(world, world.ben.id, "outcome delete", {"outcome": 1})
    assert "someone else" in (await refused.wait_reply()).text


async def test_report_is_deferred_and_attaches_the_page_and_a_chart(world: World) -> None:
    await start(world)
    it = await run(world, world.cora.id, "report", {"from": "2025-12-01", "to": "2026-11-20"})
    response = await it.wait_response()
    assert response.type == 5  # deferred: "thinking…" while the report is made
    await world.emu.wait_until(lambda: bool(it.original and it.original.attachments), 20, "files")
    final = it.original
    assert final is not None
    names = sorted(a.filename for a in final.attachments)
    assert names == [
        "cop-report-2025-12-01-to-2026-11-20-membership.png",
        "cop-report-2025-12-01-to-2026-11-20.html",
    ]
    html = next(a for a in final.attachments if a.filename.endswith(".html")).data
    assert b"Membership over time" in html
    png = next(a for a in final.attachments if a.filename.endswith(".png")).data
    assert png.startswith(b"\x89PNG")
    assert "Recorded as export" in final.text
    assert any("Gathering the numbers" in (h.get("content") or "") for h in final.history)

    refused = await run(world, world.ana.id, "report")
    assert "Only coordinators" in (await refused.wait_reply()).text
    bad = await run(world, world.cora.id, "report", {"from": "2026-11-20", "to": "2026-01-01"})
    assert "before it starts" in (await bad.wait_reply()).text
