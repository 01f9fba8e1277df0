"""A learning recorded from a resolved consult is linked to it, inside the learning's
sealed text: its author reads "from consult #N"; nobody else does, and no plain column
links an anonymous asker to their consult."""

from __future__ import annotations

from sqlalchemy import inspect, select

from bot.models import Learning, Member
from bot.services.learnings.text import open_content
from tests.consults.test_e2e import Consults, asked, button_of, consults_world

__all__ = ["consults_world"]


async def test_learning_from_a_resolved_consult_is_linked_for_its_author_only(
    consults_world: Consults,
) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    made = await asked(c, world.ana.id, anonymous=True)
    consult_id, first = made.consult_id, made.first
    prompt = await c.press(world.ana.id, first, button_of(first, "consult:resolve"))
    learn = button_of(prompt, "consult:learn")
    assert learn == f"consult:learn:{consult_id}"

    # A forged press of the asker's (ephemeral) button by someone else gets a polite
    # refusal, not the form: a hostile client can send any custom id.
    refused = await emu.actions._send_interaction(
        itype=3,
        data={"custom_id": learn, "component_type": 2},
        guild_id=world.guild.id,
        user_id=world.ben.id,
        channel_id=prompt.channel_id,
        source=prompt,
        kind="component",
        detail="a forged press",
    )
    reply = await refused.wait_reply()
    assert reply.ephemeral
    assert "Only the person who asked" in reply.content

    pressed = await emu.press_button(world.guild.id, world.ana.id, prompt, learn)
    await pressed.wait_response()
    assert pressed.modal is not None
    submitted = await emu.submit_modal(
        pressed, {"title": "Re-engaging a quiet council", "learned": "Visit in person"}
    )
    assert "Saved learning" in (await submitted.wait_reply()).text

    mine = await emu.invoke_command(world.guild.id, world.ana.id, "learning mine")
    assert f"from consult #{consult_id}" in (await mine.wait_reply()).text

    assert world.db is not None
    assert world.bot is not None
    assert world.bot.keyring is not None
    async with world.db.transaction() as session:
        ana = await session.scalar(select(Member).where(Member.user_id == world.ana.id))
        row = await session.scalar(select(Learning))
        assert ana is not None
        assert row is not None
        learning_id = row.id
        assert row.author_id == ana.id
        sealed = open_content(world.bot.keyring, row.author_id, row.sharing, row.content)
        assert sealed.consult_id == consult_id
        # The link lives only inside the sealed text: no column names a consult.
        assert not [col for col in inspect(Learning).columns if "consult" in col.key]

    # Shared with members, Ben reads it without the link; Ana's edit keeps it.
    shared = await emu.invoke_command(
        world.guild.id, world.ana.id, "learning share", {"id": learning_id, "level": "group"}
    )
    await shared.wait_reply()
    browse = await emu.invoke_command(world.guild.id, world.ben.id, "learning browse")
    seen = (await browse.wait_reply()).text
    assert "Re-engaging a quiet council" in seen
    assert "from consult" not in seen

    edit = await emu.invoke_command(
        world.guild.id, world.ana.id, "learning edit", {"id": learning_id}
    )
    await edit.wait_response()
    assert edit.modal is not None
    edited = await emu.submit_modal(edit, {"title": "Re-engaging a council"})
    assert "Updated learning" in (await edited.wait_reply()).text
    again = await emu.invoke_command(world.guild.id, world.ana.id, "learning mine")
    assert f"from consult #{consult_id}" in (await again.wait_reply()).text
