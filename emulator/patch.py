"""Point discord.py at the emulator: the same function production uses for proxies."""

from bot.endpoints import point_discord_at

__all__ = ["point_discord_at"]
