"""The domain errors. Each carries the sentence the person will read.

Services raise these; the command tree's single error handler turns them into an
ephemeral reply. Keep messages to one or two sentences in the second person: say
what happened and what to do next, with the offending value in backticks.
"""

from __future__ import annotations


class DomainError(Exception):
    """A mistake or refusal the user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The input does not parse or is out of range."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class NotAllowed(DomainError):
    """The asker may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state (already done, already decided...)."""


class ConfigError(Exception):
    """The configuration is invalid. ``lines`` holds one line per mistake."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class StartupError(Exception):
    """The bot cannot start; the message is the one line the operator reads."""
