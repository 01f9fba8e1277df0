"""/mydata delete takes a newcomer's details out of what the bot posted about them."""

from __future__ import annotations

from tests.e2e.harness import World
from tests.onboarding.e2e_steps import (
    approve,
    fill_and_send,
    posts_in,
    press,
    review_post,
    start,
    welcome_done,
)


async def test_erasure_scrubs_review_post_and_deletes_introduction(world: World) -> None:
    await start(
        world, extensions=["cogs.about", "cogs.onboarding", "cogs.learnings", "cogs.mydata"]
    )
    w = world
    await w.add_active_members(interests={w.ana.id: ["co-design"]})
    await fill_and_send(w, w.nina)
    post = await review_post(w, w.nina)
    await approve(w, w.nina)
    await welcome_done(w, w.nina)
    [intro] = posts_in(w, w.welcome.id, "Please welcome")
    assert "Fitzroy Health Partnership" in w.emu.message(post.id).text

    it = await w.emu.invoke_command(w.guild.id, w.nina.id, "mydata delete")
    ask = await it.wait_reply()
    erase = next(c for c in ask.custom_ids() if c.startswith("mydata:erase:"))
    done = await press(w, w.nina, ask, erase)
    await done.wait_reply()

    await w.emu.wait_until(lambda: w.emu.message(intro.id).deleted, 5, "the card deleted")
    review = w.emu.message(post.id)
    assert "erased at the applicant's request" in review.text
    assert "Fitzroy Health Partnership" not in review.text
    assert not review.custom_ids()
    assert not review.pinged_everyone
