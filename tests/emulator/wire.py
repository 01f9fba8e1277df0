"""A bare gateway client for wire-level tests: identify, send ops, read dispatches."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


class Wire:
    """A bare gateway client: identify, send ops, read dispatches."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def receive(self) -> dict[str, Any]:
        msg = await asyncio.wait_for(self.ws.receive(), 5)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"gateway closed: {msg.type} {self.ws.close_code}")
        data: dict[str, Any] = json.loads(msg.data)
        return data

    async def dispatch(self, event: str) -> dict[str, Any]:
        while True:
            frame = await self.receive()
            if frame.get("t") == event:
                payload: dict[str, Any] = frame["d"]
                return payload

    async def identify(self, token: str, intents: int, large_threshold: int = 250) -> None:
        hello = await self.receive()
        assert hello["op"] == 10
        data = {"token": token, "intents": intents, "large_threshold": large_threshold}
        await self.ws.send_json({"op": 2, "d": {**data, "properties": {}}})

    async def request_members(self, guild_id: int, **fields: Any) -> None:
        await self.ws.send_json({"op": 8, "d": {"guild_id": str(guild_id), **fields}})
