"""Through the emulator: bad input, other people's learnings, restarts, personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from emulator import RecordedMessage
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.learnings.helpers import fixed_keyring, make_members_active, record_learning, run

CLOCK_START = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)


async def start(world: World) -> None:
    await world.start_bot(clock=FakeClock(CLOCK_START), keyring=fixed_keyring())
    await make_members_active(world)


def no_pings(message: RecordedMessage) -> None:
    assert not message.pinged_everyone
    assert not message.pinged_role_ids
    assert not message.pinged_user_ids


async def test_a_form_problem_is_explained_and_nothing_typed_is_lost(world: World) -> None:
    # The form's own limits stop over-long text in the Discord client (the emulator too);
    # what only the bot can check (here: too many tags) must not cost the member their text.
    await start(world)
    happened = "We worked it through with the council. " * 20
    tags = ", ".join(f"tag{n}" for n in range(12))
    it = await run(world, world.ana.id, "learning add")
    await it.wait_response()
    submitted = await world.emu.submit_modal(
        it, {"title": "Kept safe", "happened": happened, "learned": "Keep it", "tags": tags}
    )
    reply = await submitted.wait_reply()
    assert reply.ephemeral
    assert "isn't saved yet" in reply.text
    assert "12 tags" in reply.text
    fix = reply.custom_ids()[0]
    pressed = await world.emu.press_button(world.guild.id, world.ana.id, reply, fix)
    await pressed.wait_response()
    modal = pressed.modal
    assert modal is not None
    defaults = {
        c["custom_id"]: c.get("value")
        for row in modal["components"]
        for c in (row.get("components") or [row.get("component") or {}])
        if c.get("custom_id")
    }
    assert defaults["happened"] == happened
    assert defaults["title"] == "Kept safe"
    assert defaults["tags"] == tags
    fixed = await world.emu.submit_modal(pressed, {"tags": "trust, funding"})
    saved = await fixed.wait_reply()
    assert "Saved learning" in saved.text
    it = await run(world, world.ana.id, "learning mine")
    assert "Kept safe" in (await it.wait_reply()).text


async def test_someone_elses_learning_cannot_be_edited_deleted_or_shared(world: World) -> None:
    await start(world)
    learning_id, _ = await record_learning(
        world, world.ana.id, {"title": "Ana's own", "learned": "private thing"}
    )
    for command, options in (
        ("learning edit", {"id": learning_id}),
        ("learning delete", {"id": learning_id}),
        ("learning share", {"id": learning_id, "level": "digest-named"}),
    ):
        it = await run(world, world.ben.id, command, options)
        reply = await it.wait_reply()
        assert reply.ephemeral
        assert "isn't yours" in reply.text, command
        assert it.modal is None


async def test_coordinator_cannot_read_private_learnings(world: World) -> None:
    await start(world)
    learning_id, _ = await record_learning(
        world, world.ana.id, {"title": "Secret-Title-9", "learned": "Secret-Body-9"}
    )
    it = await run(world, world.cora.id, "learning browse")
    reply = await it.wait_reply()
    assert "Secret-Title-9" not in reply.text
    it = await run(world, world.cora.id, "learning edit", {"id": learning_id})
    reply = await it.wait_reply()
    assert "Secret" not in reply.text
    assert it.modal is None
    it = await run(
        world, world.cora.id, "digest export", {"from": "2026-03-01", "to": "2026-03-31"}
    )
    reply = await it.wait_reply(timeout=10)
    assert "nothing to export" in reply.text
    assert not reply.attachments


async def test_browse_shows_mentions_and_markdown_without_pinging(world: World) -> None:
    await start(world)
    await record_learning(
        world,
        world.ana.id,
        {
            "title": "@everyone **loud** <@&123>",
            "learned": f"<@{world.ben.id}> said @here",
            "tags": "trust",
        },
        "group",
    )
    it = await run(world, world.cal.id, "learning browse", {"tag": "trust"})
    reply = await it.wait_reply()
    no_pings(reply)
    assert "\\*\\*loud\\*\\*" in reply.text
    open_id = next(c for c in reply.custom_ids() if c.startswith("learning:open:"))
    choice = reply.find_component(open_id)["options"][0]["value"]
    opened = await world.emu.choose(world.guild.id, world.cal.id, reply, open_id, [choice])
    full = await opened.wait_reply()
    no_pings(full)
    assert "Ana Alvarez" in full.text


async def test_non_members_and_non_coordinators_are_refused(world: World) -> None:
    await start(world)
    it = await run(world, world.nina.id, "learning add")
    reply = await it.wait_reply()
    assert it.modal is None
    assert "Only members" in reply.text
    it = await run(world, world.ana.id, "digest export", {"from": "2026-03-01", "to": "2026-03-31"})
    reply = await it.wait_reply()
    assert "Only coordinators" in reply.text
    assert not reply.attachments
    it = await run(
        world, world.cora.id, "digest export", {"from": "2026-03-31", "to": "2026-03-01"}
    )
    reply = await it.wait_reply()
    assert reply.text.count(".") <= 2
    assert "ends before it starts" in reply.text


async def test_form_submitted_after_a_restart_is_not_lost(world: World) -> None:
    await start(world)
    it = await run(world, world.ana.id, "learning add")
    await it.wait_response()
    await world.restart_bot(keyring=fixed_keyring())
    submitted = await world.emu.submit_modal(
        it, {"title": "Typed across a restart", "learned": "Still here"}
    )
    reply = await submitted.wait_reply()
    assert "Saved learning" in reply.text
    it = await run(world, world.ana.id, "learning mine")
    assert "Typed across a restart" in (await it.wait_reply()).text


async def test_large_export_shows_progress_and_is_recorded(world_factory) -> None:  # type: ignore[no-untyped-def]
    world: World = await world_factory(learnings={"progress_threshold": 2})
    await start(world)
    for n in range(4):
        await record_learning(
            world,
            world.dee.id,
            {"title": f"Entry {n}", "learned": "x", "tags": "trust"},
            "digest-named",
        )
    it = await run(
        world,
        world.cora.id,
        "digest export",
        {"from": "2026-03-01", "to": "2026-03-31", "format": "csv"},
    )
    reply = await it.wait_reply(timeout=10)
    await world.emu.wait_until(lambda: bool(it.original and it.original.attachments), 10, "file")
    final = it.original
    assert final is not None
    assert final.attachments
    assert final.attachments[0].filename.endswith(".csv")
    assert any("Exporting the digest" in (h.get("content") or "") for h in final.history)
    assert "Recorded as export **#1**" in final.text
    del reply


async def test_mydata_export_and_delete(world: World) -> None:
    await start(world)
    await record_learning(world, world.ben.id, {"title": "Ben's learning", "learned": "L"}, "group")
    it = await run(world, world.ben.id, "mydata export")
    reply = await it.wait_reply(timeout=10)
    assert reply.ephemeral
    assert reply.attachments
    data = json.loads(reply.attachments[0].data)
    assert data["profile"]["display_name"] == "Ben Brooks"
    assert data["learnings"]["entries"][0]["title"] == "Ben's learning"
    assert {"rotation", "reminders", "onboarding"} <= set(data)

    it = await run(world, world.ben.id, "mydata delete")
    ask = await it.wait_reply()
    erase = next(c for c in ask.custom_ids() if c.startswith("mydata:erase:"))
    pressed = await world.emu.press_button(world.guild.id, world.ben.id, ask, erase)
    done = await pressed.wait_reply(timeout=10)
    assert "erased" in done.text
    member = world.emu.member(world.guild.id, world.ben.id)
    assert world.member_role.id not in member.roles
    it = await run(world, world.ben.id, "mydata export")
    reply = await it.wait_reply(timeout=10)
    assert "no profile" in json.loads(reply.attachments[0].data)["about"]
