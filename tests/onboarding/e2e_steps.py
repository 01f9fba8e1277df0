"""Steps a person takes through the emulator, for the onboarding end-to-end tests."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from sqlalchemy import select

from bot.client import CopBot
from bot.models import Application
from cogs.onboarding import Onboarding
from emulator import EmuUser, RecordedInteraction, RecordedMessage
from tests.e2e.harness import World

EXTENSIONS = ["cogs.about", "cogs.onboarding"]
"""Loaded alone, so these tests don't depend on other capabilities' cogs."""

TYPED = {
    "name": "Nina Newcomer",
    "organisation": "Fitzroy Health Partnership",
    "job_role": "Partnerships lead",
    "interests": "co-design, rural health",
    "training_year": "2023",
}


async def start(world: World, **options: Any) -> CopBot:
    """Start the bot with onboarding (``start_bot`` waits for the sweep it runs on
    connecting)."""
    options.setdefault("extensions", EXTENSIONS)
    return await world.start_bot(**options)


async def open_form(world: World, user: EmuUser, **typed: str) -> RecordedMessage:
    """/join, then fill in and submit the modal; returns the ephemeral form."""
    it = await world.emu.invoke_command(world.guild.id, user.id, "join")
    await it.wait_response()
    assert it.modal is not None, f"/join answered {it.response}, not a modal"
    sub = await world.emu.submit_modal(it, {**TYPED, **typed})
    return await sub.wait_reply()


async def choose(
    world: World, user: EmuUser, form: RecordedMessage, custom_id: str, value: str
) -> RecordedInteraction:
    it = await world.emu.choose(world.guild.id, user.id, form, custom_id, [value])
    await it.wait_response()
    return it


async def press(
    world: World, user: EmuUser, message: RecordedMessage, custom_id: str
) -> RecordedInteraction:
    it = await world.emu.press_button(world.guild.id, user.id, message, custom_id)
    await it.wait_response()
    return it


async def fill_and_send(
    world: World,
    user: EmuUser,
    *,
    locality: str = "Rockhampton",
    course: str = "Partnering Essentials",
    agree: bool = True,
    typed: dict[str, Any] | None = None,
) -> RecordedMessage:
    """The whole /join form, sent. Returns the form message after sending."""
    form = await open_form(world, user, **(typed or {}))
    await choose(world, user, form, "onb:form:locality", locality)
    await choose(world, user, form, "onb:form:course", course)
    if agree:
        await press(world, user, world.emu.message(form.id), "onb:form:facilitation-yes")
        await press(world, user, world.emu.message(form.id), "onb:form:pledge-yes")
    sent = await press(world, user, world.emu.message(form.id), "onb:form:submit")
    return await sent.wait_reply()


def cog(world: World) -> Onboarding:
    """The running cog (``load_extension`` executes the package afresh, so its class is
    not the one imported here: checked by name)."""
    assert world.bot is not None
    found = world.bot.get_cog("Onboarding")
    assert type(found).__name__ == "Onboarding"
    return cast("Onboarding", found)


async def review_post(world: World, user: EmuUser) -> RecordedMessage:
    """The review post of ``user``'s application, once the bot has recorded it."""
    post = await world.emu.wait_for_message(
        lambda m: (
            m.channel_id == world.coordinators.id
            and f"<@{user.id}>" in m.content
            and any(c.startswith("onb:review:") for c in m.custom_ids())
        )
    )
    await _until_row(world, Application.review_message_id == post.id)
    return post


async def _until_row(world: World, *where: Any) -> None:
    assert world.db is not None
    async with asyncio.timeout(5):
        while True:
            async with world.db.transaction() as session:
                if await session.scalar(select(Application.id).where(*where)):
                    return
            await asyncio.sleep(0.02)


def review_button(post: RecordedMessage, action: str) -> str:
    return next(c for c in post.custom_ids() if c.endswith(f":{action}"))


ROLE_ROUTE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


def role_changes(world: World, method: str, user: EmuUser, role_id: int) -> list[Any]:
    """Successful role grants (PUT) or removals (DELETE) of one role for one user."""
    path = f"/guilds/{world.guild.id}/members/{user.id}/roles/{role_id}"
    return [
        r for r in world.emu.requests_to(method, ROLE_ROUTE) if r.path == path and r.status < 300
    ]


def posts_in(world: World, channel_id: int, needle: str) -> list[RecordedMessage]:
    return [m for m in world.emu.messages_in(channel_id) if needle in m.text]


def assert_no_mass_pings(world: World) -> None:
    """Nothing the bot sent could ping @everyone, @here or a role."""
    for message in world.emu.bot_messages():
        assert not message.pinged_everyone, message.text
        assert not message.pinged_role_ids, message.text


async def approve(world: World, user: EmuUser, by: EmuUser | None = None) -> RecordedMessage:
    """A coordinator approves ``user``'s application; returns their ephemeral report once
    the whole welcome is done."""
    post = await review_post(world, user)
    it = await press(world, by or world.cora, post, review_button(post, "approve"))
    return await it.wait_followup()


async def welcome_done(world: World, user: EmuUser) -> None:
    """Until the bot has finished welcoming ``user`` (role, introduction, DM, recorded)."""
    await _until_row(
        world, Application.user_id == user.id, Application.intro_message_id.is_not(None)
    )
