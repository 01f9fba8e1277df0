"""A person's data: everything the bot holds about them (``/mydata export``), and erasing
it (``/mydata delete``), across every capability, in one transaction.

Each capability provides, in its service module, ``personal_data(session, member) ->
dict`` and ``erase_personal_data(session, member, now)``; the learnings' own are in
``bot.services.learnings.store``. Erasure deletes the person's learnings and profile;
history others rely on (the roster, export records) stays but points at a member row
that no longer identifies anyone: name, organisation, role, locality and interests are
emptied, the status is ``erased`` and the Discord id is replaced by a placeholder.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from types import ModuleType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import Member
from bot.services import onboarding, reminders, rotation
from bot.services.learnings import digest, store
from bot.services.members import clear_profile

log = logging.getLogger(__name__)

PROVIDERS: dict[str, ModuleType] = {
    "onboarding": onboarding,
    "rotation": rotation,
    "reminders": reminders,
}
"""Other capabilities whose ``personal_data``/``erase_personal_data`` are included."""


def providers() -> dict[str, ModuleType]:
    return dict(PROVIDERS)


def missing_providers() -> list[str]:
    """Capabilities that do not (yet) provide both functions: never silently skipped."""
    return [
        name
        for name, module in PROVIDERS.items()
        if not (hasattr(module, "personal_data") and hasattr(module, "erase_personal_data"))
    ]


async def _call(func: Callable[..., Any], *args: Any) -> Any:
    result = func(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


def jsonable(value: Any) -> Any:
    """Plain JSON types, for a personal data export."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return "(encrypted)"
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def profile(member: Member) -> dict[str, Any]:
    return {
        "discord_user_id": member.user_id,
        "display_name": member.display_name,
        "organisation": member.organisation,
        "role": member.job_role,
        "locality": member.locality,
        "locality_note": member.locality_note,
        "interests": list(member.interests or []),
        "status": member.status.value,
        "first_seen_at": member.first_seen_at,
        "joined_at": member.joined_at,
        "left_at": member.left_at,
        "in_guild": member.in_guild,
    }


async def collect(
    session: AsyncSession, keyring: Keyring, member: Member, now: datetime
) -> dict[str, Any]:
    """Everything the bot holds about ``member``, as JSON-ready data."""
    out: dict[str, Any] = {
        "about": (
            "Everything the community's bot holds about you. Learnings are shown decrypted; "
            "in the database they are encrypted."
        ),
        "exported_at": now,
        "profile": profile(member),
        **(await store.personal_data(session, keyring, member)),
        "digest_exports_you_made": await digest.exports_by(session, member),
    }
    for name, module in providers().items():
        if name not in missing_providers():
            out[name] = await _call(module.personal_data, session, member)
    missing = missing_providers()
    if missing:
        out["not_included"] = missing
    return jsonable(out)  # type: ignore[no-any-return]


@dataclass
class Erasure:
    learnings: int = 0
    capabilities: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def scrub(member: Member, now: datetime) -> None:
    """Leave a row that history can point at but that identifies no one."""
    clear_profile(member)
    member.left_at = member.left_at or now
    member.user_id = -member.id  # never a real Discord id; frees theirs for a fresh start


async def erase(session: AsyncSession, member: Member, now: datetime) -> Erasure:
    """Erase the person's learnings and profile, and each capability's personal data."""
    result = Erasure()
    result.missing = missing_providers()
    for name, module in providers().items():
        if name not in result.missing:
            await _call(module.erase_personal_data, session, member, now)
            result.capabilities.append(name)
    if result.missing:
        log.warning(
            "erasing member %s: no erase_personal_data in %s", member.id, ", ".join(result.missing)
        )
    result.learnings = await store.erase_personal_data(session, member, now)
    scrub(member, now)
    await session.flush()
    return result
