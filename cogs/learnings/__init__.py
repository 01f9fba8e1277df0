"""/learning: record a learning in under a minute, choose who may see it, read the
group's, publish your own to the forum.

- ``cog``: the slash commands;
- ``components``: the persistent menus and buttons, and what they do;
- ``form``: the learning form; ``forum``: the knowledge-base posts on Discord;
- ``render``: embeds and text; ``access``: who may do what.

Other cogs open the form with :func:`open_learning_form` (the reminders' after-meeting
DM button does, passing the meeting).
"""

from cogs.learnings.cog import Learnings, setup
from cogs.learnings.components import open_learning_form

__all__ = ["Learnings", "open_learning_form", "setup"]
