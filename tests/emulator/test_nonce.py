"""Discord's enforce_nonce: a repeated nonce returns the first message instead of a second."""

from __future__ import annotations

import aiohttp

from emulator import DiscordEmulator


async def test_enforce_nonce_returns_the_first_message() -> None:
    async with DiscordEmulator() as emu:
        guild = emu.add_guild("g")
        channel = emu.add_channel(guild.id, "general")
        url = f"{emu.api_base_url}/channels/{channel.id}/messages"
        headers = {"Authorization": f"Bot {emu.bot_token}"}
        body = {"content": "hello", "nonce": "abc123", "enforce_nonce": True}
        async with aiohttp.ClientSession(headers=headers) as http:
            async with http.post(url, json=body) as first:
                one = await first.json()
            async with http.post(url, json=body) as second:
                two = await second.json()
            async with http.post(url, json={**body, "enforce_nonce": False}) as third:
                three = await third.json()
        assert one["id"] == two["id"]
        assert three["id"] != one["id"]
        assert len(emu.messages_in(channel.id)) == 2
