"""One module (or package) per capability. Each defines ``async def setup(bot)``;
``bot.client.discover_extensions`` loads them all."""
