"""/ask and /consult: a member brings a partnering challenge to the community in the
forum, and the people best placed to help are invited.

- ``cog``: the slash commands, the weekly post, posts deleted by hand;
- ``components``: persistent buttons and forms, publishing a post and its invitations;
- ``post``: the forum and its tags, finding a post's thread again, the invitation DM;
- ``render``: embeds and text.
"""

from bot.client import CopBot
from cogs.consults.cog import Consults


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Consults(bot))


__all__ = ["Consults", "setup"]
