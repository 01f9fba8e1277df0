"""The REST API, one module per Discord resource.

Each module defines a ``Resource`` subclass whose ``register(route)`` lists its routes as
``route(METHOD, "/template/{param}", handler)``; ``RESOURCES`` below is the one list the server
serves. Templates are matched in order, so a literal segment (``@me``, ``@original``) must be
registered before a ``{param}`` in the same position.
"""

from __future__ import annotations

from emulator.rest.base import AddRoute, Call, Context, Handler, Resource
from emulator.rest.channels import Channels
from emulator.rest.commands import Commands
from emulator.rest.guilds import Guilds
from emulator.rest.interactions import Interactions
from emulator.rest.scheduled_events import ScheduledEvents
from emulator.rest.threads import Threads
from emulator.rest.users import Users

RESOURCES: tuple[type[Resource], ...] = (
    Users,
    Commands,
    Interactions,
    Threads,  # before Channels: it answers sends and edits in forums and threads
    Channels,
    Guilds,
    ScheduledEvents,
)

__all__ = ["RESOURCES", "AddRoute", "Call", "Context", "Handler", "Resource"]
