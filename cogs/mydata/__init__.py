"""/mydata: everything the bot holds about you (as JSON), and erasing it, right away.

- ``cog``: the slash commands; ``components``: the erase/keep buttons and the erasure;
- ``render``: the question and the answers.
"""

from cogs.mydata.cog import MyData, setup

__all__ = ["MyData", "setup"]
