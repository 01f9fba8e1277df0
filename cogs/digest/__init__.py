"""/digest (coordinators): the learnings digest and the record of every export.

- ``cog``: the slash commands; ``components``: the history's page buttons;
- ``progress``: a large export's progress in the deferred reply;
- ``render``: the summary, the progress line and the history's embed.

The export's decisions (nothing to export, too large, zipped, recorded) are
``bot.services.digest_export``'s.
"""

from cogs.digest.cog import Digest, setup

__all__ = ["Digest", "setup"]
