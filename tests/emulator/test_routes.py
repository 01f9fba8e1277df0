"""The emulator's REST route table, its facade, and how its actions resolve options."""

from __future__ import annotations

import re

import pytest

from emulator import DiscordEmulator, RecordedInteraction
from emulator.rest import RESOURCES
from emulator.rest.base import Call, Resource, serves
from emulator.state import World
from tests.emulator.conftest import World as EmuWorld
from tests.emulator.wire import Wire


def test_routes_every_template_is_reached_by_its_own_paths() -> None:
    """A literal segment (``@me``, ``@original``, ``search``) is matched before a ``{param}`` in
    the same place, so no route is shadowed by one listed earlier."""
    emu = DiscordEmulator()
    assert len(emu.rest.routes) > 50
    for route in emu.rest.routes:
        path = re.sub(r"\{\w+\}", "1234", route.template)
        found = emu.rest.match(route.method, path)
        assert found is not None, f"{route.method} {path} matches nothing"
        assert found[0].template == route.template, (
            f"{route.method} {path} reaches {found[0].template}, not {route.template}"
        )


def test_routes_are_the_handlers_marked_with_serves_in_class_order() -> None:
    class Things(Resource):
        @serves("GET", "/things/@mine")
        async def mine(self, call: Call) -> tuple[int, None]:
            return 204, None

        @serves("GET", "/things/{thing_id}")
        @serves("GET", "/other-things/{thing_id}", auth=False)
        async def one(self, call: Call) -> tuple[int, None]:
            return 204, None

        async def not_a_route(self, call: Call) -> tuple[int, None]:
            return 204, None

    emu = DiscordEmulator()
    added: list[tuple[str, str, str, bool]] = []

    def add(method: str, template: str, handler: object, *, auth: bool = True) -> None:
        added.append((method, template, getattr(handler, "__name__", ""), auth))

    Things(emu.rest.resources[0].ctx).register(add)
    assert added == [
        ("GET", "/things/@mine", "mine", True),
        ("GET", "/things/{thing_id}", "one", True),
        ("GET", "/other-things/{thing_id}", "one", False),
    ]
    assert Things not in RESOURCES


def test_facade_forwards_to_the_world_with_its_signature_and_doc() -> None:
    emu = DiscordEmulator()
    guild = emu.add_guild("Guild")
    assert emu.guild(guild.id) is emu.world.guild(guild.id)
    assert emu.add_member.__doc__ == World.add_member.__doc__
    assert emu.guilds is emu.world.guilds
    with pytest.raises(AttributeError, match="read-only"):
        emu.guilds = {}  # type: ignore[assignment]


async def test_mentionable_option_and_select_resolve_a_role_or_else_a_user(
    emu: DiscordEmulator, world: EmuWorld, wire: Wire
) -> None:
    guild = world.guild
    emu.world.guild_commands[guild.id] = {
        1: {
            "id": "1",
            "name": "tag",
            "type": 1,
            "guild_id": str(guild.id),
            "options": [{"name": "who", "type": 9, "required": True}],
        }
    }
    await wire.identify(emu.bot_token, 1)
    await wire.dispatch("GUILD_CREATE")

    async def tag(who: object) -> RecordedInteraction:
        return await emu.invoke_command(guild.id, world.alice.id, "tag", {"who": who})

    by_role, by_role_id, by_user = [
        await tag(w) for w in (world.coordinator, world.member_role.id, world.bob.id)
    ]
    for it, role in ((by_role, world.coordinator), (by_role_id, world.member_role)):
        resolved = it.payload["data"]["resolved"]
        assert set(resolved) == {"roles"}
        assert resolved["roles"][str(role.id)]["name"] == role.name
    resolved = by_user.payload["data"]["resolved"]
    assert set(resolved) == {"users", "members"}
    assert resolved["users"][str(world.bob.id)]["username"] == "bob"

    select = {"type": 7, "custom_id": "who", "min_values": 1, "max_values": 2}
    payload = {"content": "Who?", "components": [{"type": 1, "components": [select]}]}
    asked = emu.messages.new_message(world.general, emu.bot_user.id, payload, [])
    chosen = await emu.choose(
        guild.id, world.alice.id, asked, "who", [world.coordinator.id, world.bob]
    )
    data = chosen.payload["data"]
    assert data["values"] == [str(world.coordinator.id), str(world.bob.id)]
    assert list(data["resolved"]["roles"]) == [str(world.coordinator.id)]
    assert list(data["resolved"]["users"]) == [str(world.bob.id)]
