"""App-command checks that read the community's roles from config at run time, and
the audience marks that ``/help`` groups commands by."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands

from bot.config import AppConfig

Audience = Literal["everyone", "member", "coordinator"]
AUDIENCE_ATTR = "__cop_audience__"

T = TypeVar("T")


def has_role(user: discord.abc.User, role_id: int) -> bool:
    return isinstance(user, discord.Member) and any(r.id == role_id for r in user.roles)


def is_coordinator(user: discord.abc.User, config: AppConfig) -> bool:
    return has_role(user, config.roles.coordinator)


def audience(who: Audience) -> Callable[[T], T]:
    """Mark a command callback with who it is for (read by ``/help``)."""

    def mark(func: T) -> T:
        target = getattr(func, "callback", func)
        setattr(target, AUDIENCE_ATTR, who)
        return func

    return mark


def audience_of(command: app_commands.Command[Any, ..., Any]) -> Audience:
    return getattr(command.callback, AUDIENCE_ATTR, "member")


def _coordinator_predicate(interaction: discord.Interaction[Any]) -> bool:
    config: AppConfig = interaction.client.config
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    if not is_coordinator(interaction.user, config):
        raise app_commands.MissingRole(config.roles.coordinator)
    return True


def coordinator_only() -> Callable[[T], T]:
    """Only members holding the configured coordinator role may run this command."""

    def decorator(func: T) -> T:
        checked = app_commands.check(_coordinator_predicate)(func)
        return audience("coordinator")(checked)

    return decorator
