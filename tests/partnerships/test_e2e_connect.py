"""/connect ranks by offers and needs once a member has said them, says why, and offers
**Let's partner**; without them it matches interests as before."""

from __future__ import annotations

from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.learnings.helpers import fixed_keyring, make_members_active, run
from tests.partnerships.test_e2e_partnerships import (
    CLOCK_START,
    grant_writing_match,
    start_with_onboarding,
)


async def test_connect_uses_offers_and_needs_and_offers_lets_partner(world: World) -> None:
    await world.start_bot(clock=FakeClock(CLOCK_START), keyring=fixed_keyring())
    await make_members_active(world)
    emu = world.emu

    plain = await run(world, world.cal.id, "connect")
    card = await plain.wait_reply()
    assert "You share" in card.text  # interests only: Cal said no offers or needs
    assert any(c.startswith("partner:propose:") for c in card.custom_ids())

    card = await grant_writing_match(world, "connect", world.dee)
    assert "Meet Dee Dawson" in card.text
    assert "Dee Dawson offers grant writing, which you are looking for" in card.text
    propose = next(c for c in card.custom_ids() if c.startswith("partner:propose:"))
    pressed = await emu.press_button(world.guild.id, world.ana.id, card, propose)
    await pressed.wait_response()
    assert pressed.modal is not None  # the partnership form opens

    other = next(c for c in card.custom_ids() if not c.startswith("partner:propose:"))
    moved = await emu.press_button(world.guild.id, world.ana.id, card, other)
    await moved.wait_response()
    again = emu.message(card.id)
    assert "Meet Dee Dawson" not in again.text  # moves on to someone else


async def test_profile_edit_and_join_offer_the_offers_form(world: World) -> None:
    from tests.onboarding import e2e_steps

    await start_with_onboarding(world, FakeClock(CLOCK_START))
    sent = await e2e_steps.fill_and_send(world, world.nina)
    assert "offers:edit" in sent.custom_ids()  # an applicant may say it while joining
    pressed = await world.emu.press_button(world.guild.id, world.nina.id, sent, "offers:edit")
    await pressed.wait_response()
    assert pressed.modal is not None
    saved = await world.emu.submit_modal(
        pressed,
        {"offer_tags": "data", "offer_text": "", "need_tags": "funding", "need_text": ""},
    )
    assert "Saved" in (await saved.wait_reply()).text
