"""/digest (coordinators): the learnings digest and the record of every export.

- ``cog``: the slash commands; ``components``: the history's page buttons;
- ``render``: the summary and the history's embed.
"""

from cogs.digest.cog import Digest, setup

__all__ = ["Digest", "setup"]
