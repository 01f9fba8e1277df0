"""The REST API, one module per Discord resource.

Each module defines a ``Resource`` subclass whose handlers are marked
``@serves(METHOD, "/template/{param}")``; ``RESOURCES`` below is the one list the server
serves. Templates are matched in order (resources in this order, handlers in the order their
class lists them), so a literal segment (``@me``, ``@original``) must come before a ``{param}``
in the same position.
"""

from __future__ import annotations

from emulator.rest.base import AddRoute, Call, Context, Handler, Resource, serves
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

__all__ = ["RESOURCES", "AddRoute", "Call", "Context", "Handler", "Resource", "serves"]
