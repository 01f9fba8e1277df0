"""Where discord.py sends its traffic: Discord itself, a proxy, or an emulator."""

from __future__ import annotations

import discord
import yarl


def point_discord_at(api_base_url: str, gateway_url: str) -> None:
    """Send discord.py's REST (``Route.BASE``, which webhooks use too) and gateway traffic to
    these URLs. These are process-wide class attributes: call again to point elsewhere."""
    discord.http.Route.BASE = api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
