"""The reminder engine's Discord side: wake-up jobs, and sending what the database says is due.

Scheduling. Each planned occurrence gets its own APScheduler ``DateTrigger`` job
(``reminders:occurrence:<id>``) at its due time, and each delivery waiting for a retry gets
``reminders:retry:<id>``; all are rebuilt from the database at start. A job only wakes the
engine up: :meth:`ReminderEngine.run_due` reads what is due from the database, so a job that
fires late, twice or not at all (the process was killed) loses nothing and sends nothing
twice. The wake-up jobs therefore have no misfire limit (``misfire_grace_time=None``: late
is better than never, and how late is too late is decided by the engine's own grace window)
and coalesce (one run for any number of missed firings). A sweep job
(``reminders:sweep``, every ``reminders.poll_seconds``, coalesced, misfire grace of one
interval) re-reads meetings, which other capabilities change, and catches anything else; it
first runs as soon as the scheduler starts, which is the start-up catch-up.

Delivery. See :mod:`bot.services.reminders.engine`: claim (committed), send, record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messaging import DMS_CLOSED
from bot.models import Meeting, ReminderStep
from bot.services import reminders as svc
from bot.services.reminders.engine import schedule_of
from bot.timeutil import utcnow
from cogs.reminders import render

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)

OCCURRENCE_JOB = "reminders:occurrence:{}"
RETRY_JOB = "reminders:retry:{}"
SWEEP_JOB = "reminders:sweep"
CLAIM_BATCH = 100
SEND_CONCURRENCY = 10
HISTORY_LOOKBACK = 100
"""How many recent messages to search for a message a crashed run may have sent."""

ThemesFinder = Callable[[AsyncSession, datetime, datetime], Awaitable[list[tuple[str, int]]]]


async def wake(engine: ReminderEngine, plan: bool) -> None:
    """The job function (module level, as APScheduler recommends)."""
    await engine.wake(plan=plan)


@dataclass
class RunSummary:
    planned: int = 0
    dispatched: int = 0
    missed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0
    fallbacks: int = 0
    recovered: int = 0
    """Messages found already sent by a run that crashed before recording them."""
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    sent: bool
    channel_id: int = 0
    message_id: int = 0
    fallback: bool = False
    late: bool = False
    error: str = ""
    permanent: bool = False
    missed: bool = False
    recovered: bool = False


class Transient(Exception):
    """A failure worth retrying."""


class Permanent(Exception):
    """A failure that retrying cannot fix (no permission, unknown channel...)."""


def classify(exc: BaseException) -> Exception:
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        return Permanent(f"{exc.status} {exc.code}: {exc.text[:120]}")
    if isinstance(exc, discord.HTTPException):
        if exc.status >= 500 or exc.status == 429:
            return Transient(f"{exc.status} {exc.code}: {exc.text[:120]}")
        return Permanent(f"{exc.status} {exc.code}: {exc.text[:120]}")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return Transient(type(exc).__name__)
    return Transient(f"unexpected {type(exc).__name__}")


class ReminderEngine:
    def __init__(
        self,
        bot: CopBot,
        *,
        standby: svc.StandbyFinder | None = None,
        themes: ThemesFinder | None = None,
    ) -> None:
        self.bot = bot
        self.settings = svc.EngineSettings.from_config(bot.config)
        self.token = secrets.token_hex(8)
        """Identifies this run's claims; a claim under another token was left by a crash."""
        self.standby = standby
        self.themes = themes
        self._lock = asyncio.Lock()
        self._again = False
        self._again_plan = False
        self._closing = False
        self._sem = asyncio.Semaphore(SEND_CONCURRENCY)

    # --- scheduling ------------------------------------------------------------------

    @property
    def scheduler(self) -> Any:
        return self.bot.scheduler

    def _run_date(self, due: datetime) -> datetime:
        """The scheduler runs on the real clock; the bot's clock may be a test's. Fire when
        the bot's clock reaches ``due`` (the same instant in production)."""
        return utcnow() + (due - self.bot.clock())

    def _add_date_job(self, job_id: str, due: datetime) -> None:
        self.scheduler.add_job(
            wake,
            DateTrigger(run_date=self._run_date(due)),
            args=[self, False],
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=None,
            max_instances=1,
        )

    def schedule(self, planned: Sequence[tuple[int, datetime]]) -> None:
        for occurrence_id, due in planned:
            self._add_date_job(OCCURRENCE_JOB.format(occurrence_id), due)

    def schedule_retry(self, delivery_id: int, at: datetime) -> None:
        self._add_date_job(RETRY_JOB.format(delivery_id), at)

    def unschedule(self, occurrence_ids: Sequence[int]) -> None:
        for occurrence_id in occurrence_ids:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(OCCURRENCE_JOB.format(occurrence_id))

    def apply(self, result: svc.PlanResult) -> None:
        self.unschedule(result.settled)
        self.schedule(result.planned)

    async def rebuild(self) -> int:
        """Plan what is missing, then give every planned occurrence and pending retry its
        job, and start the sweep (which runs at once: the catch-up). Returns the job count."""
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            planned = await svc.plan_all(session, now, self.settings)
        async with self.bot.db.transaction() as session:
            occurrences, retries = await svc.wake_times(session)
        self.unschedule(planned.settled)
        self.schedule(occurrences)
        for delivery_id, at in retries:
            self.schedule_retry(delivery_id, at)
        poll = self.bot.config.reminders.poll_seconds
        self.scheduler.add_job(
            wake,
            IntervalTrigger(seconds=poll),
            args=[self, True],
            id=SWEEP_JOB,
            name=SWEEP_JOB,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=poll,
            max_instances=1,
            next_run_time=utcnow(),
        )
        log.info(
            "reminders: %d planned occurrences and %d pending deliveries scheduled",
            len(occurrences),
            len(retries),
        )
        return len(occurrences) + len(retries) + 1

    def stop(self) -> None:
        self._closing = True
        for job in list(self.scheduler.get_jobs()):
            if job.id.startswith("reminders:"):
                with contextlib.suppress(JobLookupError):
                    self.scheduler.remove_job(job.id)

    # --- running ---------------------------------------------------------------------

    async def wake(self, *, plan: bool = False) -> None:
        """From a job: run now, or, if a run is under way, have it go round once more."""
        if self._closing:
            return
        if self._lock.locked():
            self._again = True
            self._again_plan = self._again_plan or plan
            return
        try:
            await self.run_due(plan=plan)
        except Exception:
            log.exception("reminders: a run failed; the next wake-up or sweep retries it")

    async def run_due(self, now: datetime | None = None, *, plan: bool = True) -> RunSummary:
        """Send everything that is due at ``now`` (default: the bot's clock), from the
        database. Safe to call at any time and any number of times."""
        summary = RunSummary()
        async with self._lock:
            while True:
                self._again = False
                await self._run_once(now, plan, summary)
                if not self._again or now is not None or self._closing:
                    break
                plan, self._again_plan = self._again_plan, False
        return summary

    def _now(self, fixed: datetime | None) -> datetime:
        return fixed if fixed is not None else self.bot.clock()

    async def _run_once(self, fixed: datetime | None, plan: bool, summary: RunSummary) -> None:
        db = self.bot.db
        if plan:
            async with db.transaction() as session:
                planned = await svc.plan_all(session, self._now(fixed), self.settings)
            self.apply(planned)
            summary.planned += len(planned.planned)
        while True:
            async with db.transaction() as session:
                dispatched = await svc.dispatch_due(
                    session, self._now(fixed), self.settings, standby=self.standby
                )
            self.apply(dispatched)
            summary.planned += len(dispatched.planned)
            summary.dispatched += dispatched.dispatched
            summary.missed += dispatched.missed
            if not dispatched.more:
                break
        for _ in range(2):  # the second round sends a report about the first one's failures
            async with db.transaction() as session:
                await svc.report_problems(session, self._now(fixed), self.settings)
            if not await self._send_ready(fixed, summary):
                break

    async def _send_ready(self, fixed: datetime | None, summary: RunSummary) -> bool:
        """Claim, send and record in batches. True if anything was given up (to report)."""
        gave_up = False
        while not self._closing:
            async with self.bot.db.transaction() as session:
                claimed = await svc.claim_ready(
                    session, self._now(fixed), self.token, self.settings, limit=CLAIM_BATCH
                )
                contexts = await svc.delivery_contexts(session, claimed.claims)
                extras = await self._extras(session, contexts)
            # The claims are committed: only now is anything sent.
            summary.dropped += claimed.dropped
            gave_up = gave_up or claimed.dropped > 0
            if not claimed.claims:
                break
            outcomes = await asyncio.gather(
                *(
                    self._deliver(ctx, extras.get(ctx.claim.delivery_id), fixed)
                    for ctx in contexts.values()
                )
            )
            retries: list[tuple[int, datetime]] = []
            async with self.bot.db.transaction() as session:
                now = self._now(fixed)
                for ctx, outcome in zip(contexts.values(), outcomes, strict=True):
                    claim = ctx.claim
                    if outcome.sent:
                        await svc.record_sent(
                            session,
                            claim,
                            now,
                            channel_id=outcome.channel_id,
                            message_id=outcome.message_id,
                            fallback=outcome.fallback,
                            late=outcome.late,
                        )
                        summary.sent += 1
                        summary.fallbacks += outcome.fallback
                        summary.recovered += outcome.recovered
                    elif outcome.missed:
                        await svc.record_missed(session, claim, now, outcome.error)
                        summary.dropped += 1
                        gave_up = True
                    else:
                        retry_at = await svc.record_failure(
                            session,
                            claim,
                            now,
                            self.settings,
                            outcome.error,
                            permanent=outcome.permanent,
                        )
                        summary.errors.append(outcome.error)
                        if retry_at is None:
                            summary.failed += 1
                            gave_up = True
                            log.error(
                                "reminders: gave up delivery %s (%s) after %d attempt(s): %s",
                                claim.delivery_id,
                                claim.step.value,
                                claim.attempts,
                                outcome.error,
                            )
                        else:
                            summary.retrying += 1
                            retries.append((claim.delivery_id, retry_at))
                            log.warning(
                                "reminders: delivery %s (%s) failed (attempt %d), retrying at "
                                "%s: %s",
                                claim.delivery_id,
                                claim.step.value,
                                claim.attempts,
                                retry_at.isoformat(),
                                outcome.error,
                            )
            for delivery_id, at in retries:
                self.schedule_retry(delivery_id, at)
        return gave_up

    async def _extras(
        self, session: AsyncSession, contexts: dict[int, svc.DeliveryContext]
    ) -> dict[int, list[tuple[str, int]]]:
        """Themes of recent shared learnings for hand-over packs."""
        extras: dict[int, list[tuple[str, int]]] = {}
        if self.themes is None:
            return extras
        days = self.bot.config.reminders.themes_lookback_days
        for delivery_id, ctx in contexts.items():
            if ctx.occurrence.step is ReminderStep.FACILITATOR_PACK:
                now = ctx.occurrence.due_at
                try:
                    extras[delivery_id] = await self.themes(
                        session, now - timedelta(days=days), now
                    )
                except Exception:
                    log.exception("reminders: could not read learning themes for a pack")
        return extras

    # --- sending -----------------------------------------------------------------------

    async def _deliver(
        self, ctx: svc.DeliveryContext, themes: list[tuple[str, int]] | None, fixed: datetime | None
    ) -> Outcome:
        async with self._sem:
            now = self._now(fixed)
            claim = ctx.claim
            late = (
                claim.step is not ReminderStep.REPORT
                and now - claim.due_at > self.settings.late_after
            )
            try:
                return await self._send(ctx, themes or [], late, now)
            except Exception as exc:
                failure = classify(exc)
                if isinstance(failure, Transient) and str(failure).startswith("unexpected"):
                    log.exception(
                        "reminders: unexpected error sending delivery %s", claim.delivery_id
                    )
                return Outcome(
                    sent=False, error=str(failure), permanent=isinstance(failure, Permanent)
                )

    def _post(
        self, ctx: svc.DeliveryContext, user_id: int | None, themes: list[tuple[str, int]]
    ) -> render.Post:
        community = self.bot.config.community.name
        step = ctx.occurrence.step
        if step is ReminderStep.CUSTOM:
            assert ctx.reminder is not None
            return render.custom_post(ctx, schedule_of(ctx.reminder).describe())
        if step is ReminderStep.REPORT:
            return render.report_post(ctx, community)
        if step is ReminderStep.GROUP:
            return render.group_post(ctx, community)
        if step is ReminderStep.FACILITATOR_PACK:
            assert user_id is not None
            return render.pack_post(
                ctx, user_id, community, themes, self.bot.config.reminders.themes_lookback_days
            )
        if step is ReminderStep.CONFIRM_REQUEST:
            return render.confirm_post(ctx, community)
        if step is ReminderStep.ESCALATION:
            if user_id is not None:
                return render.standby_post(ctx, community)
            return render.escalation_post(ctx, community)
        if step is ReminderStep.LEARNING_PROMPT:
            return render.learning_post(ctx, community)
        raise ValueError(f"no rendering for {step}")

    async def _send(
        self, ctx: svc.DeliveryContext, themes: list[tuple[str, int]], late: bool, now: datetime
    ) -> Outcome:
        claim = ctx.claim
        kind, ident = svc.parse_target(claim.target)
        if kind == "channel":
            channel = await self.bot.text_channel(ident)
            if claim.recovering and (found := await self._find(channel, claim.delivery_id)):
                return found
            post = self._post(ctx, None, themes)
            message = await self._post_to(channel, post, claim.delivery_id, late, ctx)
            return Outcome(True, message.channel.id, message.id, late=late)
        if kind != "user":
            raise Permanent(f"unknown target {claim.target}")
        user = self.bot.get_user(ident) or await self.bot.fetch_user(ident)
        dm = user.dm_channel or await user.create_dm()
        if claim.recovering:
            if found := await self._find(dm, claim.delivery_id):
                return found
            fallback_channel = await self.bot.text_channel(self._fallback_channel_id)
            if found := await self._find(fallback_channel, claim.delivery_id, fallback=True):
                return found
        post = self._post(ctx, ident, themes)
        try:
            message = await self._post_to(dm, post, claim.delivery_id, late, ctx)
            return Outcome(True, dm.id, message.id, late=late)
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                raise
        log.info("reminders: DMs closed for a recipient; pointing them to the fallback channel")
        fallback_channel = await self.bot.text_channel(self._fallback_channel_id)
        fallback = render.fallback_post(ctx, ident, self.bot.config.community.name)
        message = await self._post_to(
            fallback_channel, fallback, claim.delivery_id, late, ctx, fallback=True
        )
        return Outcome(True, message.channel.id, message.id, fallback=True, late=late)

    @property
    def _fallback_channel_id(self) -> int:
        config = self.bot.config
        return config.reminders.dm_fallback_channel or config.channels.welcome

    async def _post_to(
        self,
        channel: discord.abc.Messageable,
        post: render.Post,
        delivery_id: int,
        late: bool,
        ctx: svc.DeliveryContext,
        *,
        fallback: bool = False,
    ) -> discord.Message:
        embed = post.embed
        if late:
            note = render.late_note(ctx.occurrence.due_at)
            embed.description = f"{note}\n\n{embed.description or ''}".strip()
        kwargs: dict[str, Any] = {
            "embed": embed,
            "allowed_mentions": post.allowed_mentions,
            "nonce": render.nonce(delivery_id, fallback=fallback),
        }
        if post.content:
            kwargs["content"] = post.content
        if post.view is not None:
            kwargs["view"] = post.view
        return await channel.send(**kwargs)

    async def _find(
        self, channel: discord.abc.Messageable, delivery_id: int, *, fallback: bool = False
    ) -> Outcome | None:
        """A message of this delivery that a crashed run sent but never recorded. If the
        channel can't be read back, the resend still carries the same nonce, which Discord
        deduplicates."""
        me = self.bot.user
        try:
            async for message in channel.history(limit=HISTORY_LOOKBACK):
                if (
                    me is not None
                    and message.author.id == me.id
                    and render.has_marker(message, delivery_id)
                ):
                    log.info(
                        "reminders: delivery %s was already sent before a restart", delivery_id
                    )
                    return Outcome(
                        True, message.channel.id, message.id, fallback=fallback, recovered=True
                    )
        except discord.HTTPException as exc:
            log.warning(
                "reminders: could not read back history for delivery %s (HTTP %s); resending "
                "with the same nonce",
                delivery_id,
                exc.status,
            )
        return None


# --- collaborators from other capabilities --------------------------------------------


async def rotation_standby(
    session: AsyncSession, meeting_id: int, exclude: set[int], now: datetime, bot: CopBot
) -> int | None:
    from bot.services import rotation

    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    member = await rotation.standby_for(
        session, meeting, now, rotation.RotationRules.from_config(bot.config)
    )
    if member is None or member.user_id in exclude:
        return None
    return member.user_id
