"""/learning: record a learning in under a minute, choose who may see it, read the
group's, publish your own to the forum.

- ``cog``: the slash commands (its own extension, loaded by :func:`setup`);
- ``components``: the persistent menus and buttons, and what they do;
- ``form``: the learning form; ``forum``: the knowledge-base posts on Discord;
- ``render``: embeds and text; ``access``: who may do what.

Other cogs open the form with :func:`open_learning_form` (the reminders' after-meeting
DM button does, passing the meeting). This package does not import its cog, so using
that function never couples another capability's components to the learnings' commands.
"""

from discord.ext import commands

from cogs.learnings.components import open_learning_form

__all__ = ["open_learning_form", "setup", "teardown"]

COG_EXTENSION = "cogs.learnings.cog"


async def setup(bot: commands.Bot) -> None:
    await bot.load_extension(COG_EXTENSION)


async def teardown(bot: commands.Bot) -> None:
    if COG_EXTENSION in bot.extensions:
        await bot.unload_extension(COG_EXTENSION)
