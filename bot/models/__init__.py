"""ORM models only, one module per capability. Times are aware UTC (``Timestamp``);
Discord ids are ``BigInteger`` (``DiscordId``); both are declared in ``_columns``.

Each module's ``__all__`` lists its models and enums, and this package re-exports them
all, so a capability adds a model in its own module only. Import models from here:
``from bot.models import Member``.
"""

# ruff: noqa: F403  (each module's __all__ says exactly what a star import brings)

from bot.models.consults import *
from bot.models.events import *
from bot.models.learnings import *
from bot.models.members import *
from bot.models.onboarding import *
from bot.models.outbound import *
from bot.models.outcomes import *
from bot.models.partnerships import *
from bot.models.reminders import *
from bot.models.rotation import *
