"""Members' notification choices and the coordinators' view of bulk sends.

- ``cog``: /notifications, /outbound status|cancel.
- ``components``: the "Notification settings" button on every automatic DM, the kinds
  menu and the quiet-hours modal.
- ``render``: the settings panel and progress.
- ``progress``: ``follow_progress``, which other capabilities call to show a coordinator
  how their bulk send is going.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.notifications.cog import Notifications
from cogs.notifications.progress import follow_progress

if TYPE_CHECKING:
    from bot.client import CopBot

__all__ = ["Notifications", "follow_progress", "setup"]


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Notifications(bot))
