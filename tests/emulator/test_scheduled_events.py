"""Guild scheduled events as Discord's docs and spec describe them: REST, rules, permissions,
gateway events by intent, and a real discord.py client using them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest

from emulator import DiscordEmulator
from emulator.rest.scheduled_events import CREATE_EVENTS, MANAGE_EVENTS
from tests.emulator.conftest import World
from tests.emulator.wire import Wire

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
END = START + timedelta(hours=1)
GUILDS, SCHEDULED_EVENTS = 1 << 0, 1 << 16


def external(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "CoP meeting",
        "privacy_level": 2,
        "scheduled_start_time": START.isoformat(),
        "scheduled_end_time": END.isoformat(),
        "entity_type": 3,
        "entity_metadata": {"location": "Rockhampton library"},
        "description": "Facilitated by Ana",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


class Api:
    def __init__(self, emu: DiscordEmulator, http: aiohttp.ClientSession, guild_id: int) -> None:
        self.emu, self.http = emu, http
        self.base = f"guilds/{guild_id}/scheduled-events"

    async def call(self, method: str, path: str = "", body: Any = None, **query: str) -> Any:
        url = self.base + path
        async with self.http.request(method, url, json=body, params=query) as resp:
            return resp.status, (await resp.json() if resp.status != 204 else None)


@pytest.fixture
async def api(emu: DiscordEmulator, world: World) -> AsyncIterator[Api]:
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    async with aiohttp.ClientSession(emu.api_base_url + "/", headers=headers) as http:
        yield Api(emu, http, world.guild.id)
    emu.invalid_bodies.clear()  # some tests send bodies that break the spec on purpose


def error_code(body: dict[str, Any], *path: str) -> str:
    node = body["errors"]
    for key in path:
        node = node[key]
    code: str = node["_errors"][0]["code"]
    return code


@pytest.mark.parametrize("validate", [True, False], ids=["spec-checked", "emulator-rules"])
async def test_create_refuses_what_discord_refuses(
    emu: DiscordEmulator, world: World, api: Api, validate: bool
) -> None:
    if not validate:
        emu.rest.validator = None  # the emulator's own rules, as in the demo
    voice = emu.add_channel(world.guild.id, "Meeting room", type=2)
    refused = [
        (external(entity_type=None), ("entity_type",), "BASE_TYPE_REQUIRED"),
        (external(privacy_level=None), ("privacy_level",), "BASE_TYPE_REQUIRED"),
        (external(entity_metadata={"location": "x" * 101}), ("entity_metadata", "location"), None),
        (external(scheduled_end_time=None), ("scheduled_end_time",), None),
        (external(entity_type=2, entity_metadata=None, channel_id=str(world.general.id)), (), None),
        (external(scheduled_end_time=(START - timedelta(hours=1)).isoformat()), (), None),
    ]
    for body, path, code in refused:
        status, answer = await api.call("POST", body=body)
        assert (status, answer["code"]) == (400, 50035), body
        if code is not None:
            assert error_code(answer, *path) == code
    assert emu.scheduled_events(world.guild.id) == []
    status, made = await api.call("POST", body=external())
    assert status == 200
    assert made["entity_metadata"] == {"location": "Rockhampton library"}
    assert (made["status"], made["channel_id"], made["creator_id"]) == (
        1,
        None,
        str(emu.bot_user.id),
    )
    assert "user_count" not in made
    voice_body = external(entity_type=2, entity_metadata=None, channel_id=str(voice.id))
    status, in_voice = await api.call("POST", body=voice_body)
    assert (status, in_voice["channel_id"]) == (200, str(voice.id))


async def test_status_moves_forward_only_and_finished_events_are_frozen(
    emu: DiscordEmulator, world: World, api: Api
) -> None:
    _, first = await api.call("POST", body=external())
    _, second = await api.call("POST", body=external(name="Second"))
    one, two = f"/{first['id']}", f"/{second['id']}"
    assert (await api.call("PATCH", one, {"status": 3}))[0] == 400  # scheduled -> completed
    assert (await api.call("PATCH", one, {"status": 2}))[1]["status"] == 2
    assert (await api.call("PATCH", one, {"status": 4}))[0] == 400  # active -> canceled
    assert (await api.call("PATCH", one, {"status": 3}))[1]["status"] == 3
    status, frozen = await api.call("PATCH", one, {"name": "Renamed"})
    assert (status, frozen["code"]) == (400, 180000)
    assert (await api.call("PATCH", two, {"status": 4}))[1]["status"] == 4
    assert (await api.call("PATCH", two, {"status": 1}))[1]["code"] == 180000
    status, moved = await api.call("POST", body=external(name="Third"))
    later = (START + timedelta(days=7)).isoformat()
    patch = {"scheduled_start_time": later, "scheduled_end_time": None}
    status, answer = await api.call("PATCH", f"/{moved['id']}", patch)
    assert (status, answer["code"]) == (400, 50035)  # an external event needs its end time
    patch["scheduled_end_time"] = (START + timedelta(days=7, hours=1)).isoformat()
    status, answer = await api.call("PATCH", f"/{moved['id']}", patch)
    assert (status, answer["scheduled_start_time"]) == (200, later)


async def test_permissions_decide_who_may_create_and_edit(
    emu: DiscordEmulator, world: World, api: Api
) -> None:
    theirs = await emu.create_event_by_hand(world.guild.id, "Owner's", START, END, "Hall")
    emu.set_bot_permissions(world.guild.id, 0)
    status, answer = await api.call("POST", body=external())
    assert (status, answer["code"]) == (403, 50013)
    emu.set_bot_permissions(world.guild.id, CREATE_EVENTS)
    status, mine = await api.call("POST", body=external())
    assert status == 200
    assert (await api.call("PATCH", f"/{mine['id']}", {"name": "Mine"}))[0] == 200
    status, answer = await api.call("PATCH", f"/{theirs.id}", {"name": "Taken"})
    assert (status, answer["code"]) == (403, 50013)
    assert (await api.call("DELETE", f"/{theirs.id}"))[0] == 403
    emu.set_bot_permissions(world.guild.id, MANAGE_EVENTS)
    assert (await api.call("PATCH", f"/{theirs.id}", {"name": "Fixed"}))[0] == 200
    assert (await api.call("DELETE", f"/{theirs.id}"))[0] == 204
    assert [e.name for e in emu.scheduled_events(world.guild.id)] == ["Mine"]


async def test_at_most_100_open_events(emu: DiscordEmulator, world: World, api: Api) -> None:
    made = [
        await emu.create_event_by_hand(world.guild.id, f"e{n}", START, END, "Hall")
        for n in range(100)
    ]
    status, answer = await api.call("POST", body=external())
    assert (status, answer["code"]) == (400, 30038)
    await emu.edit_event_by_hand(world.guild.id, made[0].id, status=4)
    assert (await api.call("POST", body=external()))[0] == 200


async def test_user_count_and_interested_users_pages(
    emu: DiscordEmulator, world: World, api: Api
) -> None:
    _, made = await api.call("POST", body=external())
    eid = made["id"]
    people = emu.add_members(world.guild.id, 150)
    for person in people:
        await emu.mark_interested(world.guild.id, eid, person.user_id)
    await emu.mark_interested(world.guild.id, eid, people[0].user_id, interested=False)
    assert (await api.call("GET", f"/{eid}"))[1].get("user_count") is None
    _, counted = await api.call("GET", f"/{eid}", with_user_count="true")
    assert counted["user_count"] == 149
    _, listed = await api.call("GET", with_user_count="true")
    assert [e["user_count"] for e in listed] == [149]
    _, first = await api.call("GET", f"/{eid}/users")
    assert len(first) == 100
    ids = [int(u["user_id"]) for u in first]
    assert ids == sorted(ids)
    assert "member" not in first[0]
    _, rest = await api.call("GET", f"/{eid}/users", after=str(ids[-1]), with_member="true")
    assert len(rest) == 49
    assert rest[0]["member"]["roles"] == []
    _, before = await api.call("GET", f"/{eid}/users", before=str(ids[10]), limit="5")
    assert [int(u["user_id"]) for u in before] == ids[5:10]
    status, answer = await api.call("GET", f"/{eid}/users", limit="101")
    assert (status, answer["code"]) == (400, 50035)


async def test_gateway_events_need_the_intent_and_leave_out_user_count(
    emu: DiscordEmulator, world: World, api: Api, wire: Wire
) -> None:
    await wire.identify(emu.bot_token, GUILDS | SCHEDULED_EVENTS)
    await wire.dispatch("GUILD_CREATE")
    _, made = await api.call("POST", body=external())
    created = await wire.dispatch("GUILD_SCHEDULED_EVENT_CREATE")
    assert created["id"] == made["id"]
    assert "user_count" not in created
    await emu.mark_interested(world.guild.id, made["id"], world.bob.id)
    added = await wire.dispatch("GUILD_SCHEDULED_EVENT_USER_ADD")
    assert added == {
        "guild_scheduled_event_id": made["id"],
        "user_id": str(world.bob.id),
        "guild_id": str(world.guild.id),
    }
    await emu.mark_interested(world.guild.id, made["id"], world.bob.id, interested=False)
    assert (await wire.dispatch("GUILD_SCHEDULED_EVENT_USER_REMOVE"))["user_id"] == str(
        world.bob.id
    )
    await emu.edit_event_by_hand(world.guild.id, made["id"], description="Edited by hand")
    updated = await wire.dispatch("GUILD_SCHEDULED_EVENT_UPDATE")
    assert updated["description"] == "Edited by hand"
    assert "user_count" not in updated
    await emu.delete_event_by_hand(world.guild.id, made["id"])
    assert (await wire.dispatch("GUILD_SCHEDULED_EVENT_DELETE"))["id"] == made["id"]


async def test_without_the_intent_no_scheduled_event_dispatch_arrives(
    emu: DiscordEmulator, world: World, api: Api, wire: Wire
) -> None:
    await wire.identify(emu.bot_token, GUILDS)
    await wire.dispatch("GUILD_CREATE")
    _, made = await api.call("POST", body=external())
    await emu.mark_interested(world.guild.id, made["id"], world.bob.id)
    await emu.delete_event_by_hand(world.guild.id, made["id"])
    async with api.http.post(f"guilds/{world.guild.id}/channels", json={"name": "x"}):
        pass
    frame = await wire.receive()  # the next dispatch is the channel, nothing before it
    assert frame["t"] == "CHANNEL_CREATE"


async def test_real_client_creates_reads_rsvps_and_completes_an_event(
    emu: DiscordEmulator, world: World
) -> None:
    intents = discord.Intents.none()
    # discord.py reports an RSVP only for a user it has cached: members are chunked at start.
    intents.guilds = intents.members = intents.guild_scheduled_events = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    interested: list[int] = []

    @client.event
    async def on_scheduled_event_user_add(event: discord.ScheduledEvent, user: Any) -> None:
        interested.append(user.id)

    runner = asyncio.create_task(client.start(emu.bot_token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        guild = client.get_guild(world.guild.id)
        assert guild is not None
        with pytest.raises(discord.HTTPException) as refused:
            # discord.py omits privacy_level and entity_type unless given: Discord refuses.
            await guild.create_scheduled_event(
                name="Implicit", start_time=START, end_time=END, location="Hall"
            )
        assert (refused.value.status, refused.value.code) == (400, 50035)
        event = await guild.create_scheduled_event(
            name="CoP meeting",
            start_time=START,
            end_time=END,
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="Rockhampton library",
            description="Facilitated by Ana",
        )
        assert event.location == "Rockhampton library"
        await emu.mark_interested(world.guild.id, event.id, world.alice.id)
        await emu.wait_until(lambda: interested == [world.alice.id], 5, "USER_ADD")
        fetched = await guild.fetch_scheduled_event(event.id, with_counts=True)
        assert fetched.user_count == 1
        assert [u.id async for u in fetched.users()] == [world.alice.id]
        started = await fetched.start()
        assert started.status is discord.EventStatus.active
        ended = await started.end()
        assert ended.status is discord.EventStatus.completed
        with pytest.raises(discord.HTTPException) as frozen:
            await ended.edit(name="Too late")
        assert frozen.value.code == 180000
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(runner, 5)
    assert emu.scheduled_event(world.guild.id, event.id).status == 3
    emu.invalid_bodies.clear()  # the refused implicit create breaks the spec, as intended
