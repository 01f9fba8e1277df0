"""cop-bot: a Discord bot that runs a professional Community of Practice."""

__version__ = "0.1.0"
