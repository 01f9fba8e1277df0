"""The port's discord.py implementation maps errors and mentions as documented."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest

from bot import port
from bot.discord_port import send_kwargs, translate, view_of
from tests.fakes import FakePort


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = "x"
        self.headers = headers or {}


def _http(cls: type[discord.HTTPException], status: int, code: int, **headers: str) -> Any:
    return cls(_Response(status, headers), {"code": code, "message": "m"})


def test_translate_maps_discord_errors_to_port_errors() -> None:
    assert isinstance(translate(_http(discord.Forbidden, 403, 50007)), port.DmClosed)
    assert isinstance(translate(_http(discord.Forbidden, 403, 50013)), port.Forbidden)
    assert isinstance(translate(_http(discord.NotFound, 404, 10013)), port.Gone)
    storm = translate(_http(discord.HTTPException, 429, 0, **{"Retry-After": "2.5"}))
    assert isinstance(storm, port.Transient)
    assert storm.retry_after == 2.5
    assert isinstance(translate(_http(discord.DiscordServerError, 502, 0)), port.Transient)
    assert isinstance(translate(aiohttp.ClientConnectionError()), port.Transient)
    assert port.is_permanent(translate(_http(discord.HTTPException, 400, 50035)))


def test_send_kwargs_never_ping_everyone_or_roles() -> None:
    plain = send_kwargs(port.Message(content="@everyone <@&5> hi"))
    mentions: discord.AllowedMentions = plain["allowed_mentions"]
    assert mentions.everyone is False
    assert mentions.roles is False
    assert mentions.users is False
    named = send_kwargs(port.Message(content="<@42> hi", ping_users=(42,), nonce="n1"))
    allowed: discord.AllowedMentions = named["allowed_mentions"]
    assert allowed.everyone is False
    assert allowed.roles is False
    assert [u.id for u in allowed.users] == [42]  # type: ignore[union-attr]
    assert named["nonce"] == "n1"


async def test_view_of_builds_buttons_that_are_not_stored() -> None:
    view = view_of(
        (
            port.Button("Go", custom_id="x:1", style="primary"),
            port.Button("Docs", url="https://example.org"),
        )
    )
    assert view is not None
    assert view.is_finished()
    assert [c.custom_id for c in view.children if isinstance(c, discord.ui.Button)] == ["x:1", None]


def test_button_needs_exactly_one_target() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        port.Button("neither")


async def test_fake_port_deduplicates_by_nonce_and_refuses_closed_dms() -> None:
    fake = FakePort(closed_dms={7})
    first = await fake.dm(1, port.Message(content="a", nonce="k"))
    again = await fake.dm(1, port.Message(content="a", nonce="k"))
    assert first == again
    assert len(fake.dms_to(1)) == 1
    with pytest.raises(port.DmClosed):
        await fake.dm(7, port.Message(content="a"))
    card = port.Card(description="x", footer="Reminder · ref R5")
    await fake.post(10, port.Message(cards=(card,)))
    assert await fake.find_in_channel(10, "ref R5") is not None
    assert await fake.find_in_channel(10, "ref R6") is None
