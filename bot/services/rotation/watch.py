"""What this process has written that the rotation depends on, so reading the roster
need not scan the server's people to find out whether it is still current.

Every session records which of the watched tables (``members``, ``rotation_entries``)
it writes: objects it flushes (for members, only a change to whether they are an active
member in the server: a new applicant or an edited profile does not count), and any
INSERT/UPDATE/DELETE statement it executes on them (the onboarding sweep's set-based
batches, say). When it commits at the top level, a counter
per table goes up. A session notes the counters when its transaction begins, before it
reads anything, so what it then finds in the database is at least as new as those
counters.

A check or plan that found the stored roster current records those counters for its
database once it commits (:func:`mark_current`); while they have not moved since,
:func:`still_current` says so without a query. Writes from another process are not
seen here: the hourly re-plan picks them up, and a fresh process checks in full.
"""

from __future__ import annotations

import weakref
from collections import Counter
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.models import MemberStatus

WATCHED = frozenset({"members", "rotation_entries"})
_MEMBER_COLUMNS = ("status", "in_guild")
"""What says whether a member is in the rotation (with their rotation entry)."""

Versions = tuple[tuple[str, int], ...]

_commits: Counter[str] = Counter()
"""Top-level commits in this process that wrote each watched table."""
_current: weakref.WeakKeyDictionary[Engine, Versions] = weakref.WeakKeyDictionary()
"""Per database: the counters at which the stored roster was last found current."""

_remembered: weakref.WeakKeyDictionary[Engine, dict[str, tuple[Versions, int]]] = (
    weakref.WeakKeyDictionary()
)
"""Per database: figures read at some counters (``rotation_size``, say)."""

_WRITTEN = "cop.rotation.written"
_BEGUN_AT = "cop.rotation.begun_at"
_MARK = "cop.rotation.mark"


def _versions() -> Versions:
    return tuple(sorted((name, _commits[name]) for name in WATCHED))


def _written(session: Session) -> set[str]:
    written: set[str] = session.info.setdefault(_WRITTEN, set())
    return written


def _table_of(obj: object) -> str | None:
    name = getattr(type(obj), "__tablename__", None)
    return name if isinstance(name, str) else None


def _touched(session: Session) -> set[str]:
    """The watched tables that this session's pending objects would change in a way the
    rotation notices: a member becoming or stopping being an active member in the server
    (a new applicant, or an edited profile, does not count), any rotation entry."""
    touched: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        name = _table_of(obj)
        if name not in WATCHED or name in touched:
            continue
        if name == "members" and obj in session.new:
            if getattr(obj, "status", None) is MemberStatus.ACTIVE:
                touched.add(name)
        elif name == "members" and obj not in session.deleted:
            attrs = inspect(obj).attrs
            if any(attrs[key].history.has_changes() for key in _MEMBER_COLUMNS):
                touched.add(name)
        elif obj in session.new or obj in session.deleted or session.is_modified(obj):
            touched.add(name)
    return touched


@event.listens_for(Session, "after_begin")
def _begun(session: Session, transaction: Any, connection: Any) -> None:
    if not transaction.nested:
        session.info[_BEGUN_AT] = _versions()


@event.listens_for(Session, "before_flush")
def _flushing(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    _written(session).update(_touched(session))


@event.listens_for(Session, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        name = getattr(getattr(state.statement, "table", None), "name", None)
        if name in WATCHED:
            _written(state.session).add(name)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: nothing is visible to anyone else until the real commit
    # A rolled-back write leaves its mark in place: counting it anyway only costs a check.
    for name in session.info.pop(_WRITTEN, ()):
        _commits[name] += 1
    begun_at: Versions | None = session.info.pop(_BEGUN_AT, None)
    bind = session.info.pop(_MARK, None)
    if bind is not None and begun_at is not None:
        _current[bind] = begun_at


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_MARK, None)  # what was found is gone with the transaction


def _engine(session: AsyncSession) -> Engine:
    bind = session.sync_session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def writes_pending(session: AsyncSession) -> bool:
    """Whether this session has written (or is about to flush) a watched table."""
    sync = session.sync_session
    if sync.info.get(_WRITTEN):
        return True
    return bool(_touched(sync))


def still_current(session: AsyncSession) -> bool:
    """Whether the stored roster was found current at the counters this session began
    with, and this session has written nothing the rotation depends on since."""
    begun_at = session.sync_session.info.get(_BEGUN_AT)
    return (
        begun_at is not None
        and _current.get(_engine(session)) == begun_at
        and not writes_pending(session)
    )


def mark_current(session: AsyncSession) -> None:
    """The stored roster is current as this session sees it: remember that for its
    database once the session commits (nothing is remembered if it rolls back)."""
    session.sync_session.info[_MARK] = _engine(session)


def recalled(session: AsyncSession, key: str) -> int | None:
    """A figure :func:`remember` kept, if nothing watched was written since it was read
    (by this process) and this session has written nothing watched."""
    begun_at = session.sync_session.info.get(_BEGUN_AT)
    found = _remembered.get(_engine(session), {}).get(key)
    if begun_at is None or found is None or found[0] != begun_at or writes_pending(session):
        return None
    return found[1]


def remember(session: AsyncSession, key: str, value: int) -> None:
    """Keep a figure this session just read, for :func:`recalled` (not when the session
    has written something watched: the figure may not last)."""
    begun_at = session.sync_session.info.get(_BEGUN_AT)
    if begun_at is not None and not writes_pending(session):
        _remembered.setdefault(_engine(session), {})[key] = (begun_at, value)
