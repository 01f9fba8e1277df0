"""Sending what the database says is due, through the port; and the wake-up jobs.

Scheduling. Each planned occurrence gets its own APScheduler ``DateTrigger`` job
(``reminders:occurrence:<id>``) at its due time, and each delivery waiting for a retry gets
``reminders:retry:<id>``; all are rebuilt from the database at start. A job only wakes the
sender up: :meth:`ReminderSender.run_due` reads what is due from the database, so a job that
fires late, twice or not at all (the process was killed) loses nothing and sends nothing
twice. The wake-up jobs have no misfire limit (late is better than never; how late is too
late is the engine's grace window) and coalesce. A sweep job (``reminders:sweep``, every
``reminders.poll_seconds``) re-reads meetings, which other capabilities change, and catches
anything else; it first runs as soon as the scheduler starts: the start-up catch-up.

Delivery: claim (committed), send through the port, record. A claim a crashed run left is
looked up by its marker first; a resend carries the same nonce. Learning prompts to every
member are handed to the outbound path instead (paced, respecting /notifications).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.models import OutboundKind, ReminderStep
from bot.services import notifications, outbound
from bot.services.outbound import late_note
from bot.services.reminders import claims as claiming
from bot.services.reminders.delivery import DeliveryContext, delivery_contexts
from bot.services.reminders.dispatch import dispatch_due, report_problems
from bot.services.reminders.extras import NONE, Extras, RolesFinder, ThemesFinder, extras_for
from bot.services.reminders.plan import PlanResult, plan_all
from bot.services.reminders.settings import (
    EngineSettings,
    StandbyFinder,
    marker,
    nonce,
    parse_target,
)
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

OCCURRENCE_JOB = "reminders:occurrence:{}"
RETRY_JOB = "reminders:retry:{}"
SWEEP_JOB = "reminders:sweep"
CLAIM_BATCH = 100
SEND_CONCURRENCY = 10
HISTORY_LOOKBACK = 100
"""How many recent messages to search for a message a crashed run may have sent."""
MEETING_DM_STEPS = frozenset(
    {ReminderStep.FACILITATOR_PACK, ReminderStep.CONFIRM_REQUEST, ReminderStep.ESCALATION}
)
"""DMs about meetings: a member who turned meeting reminders off in /notifications doesn't
get them, and they wait for the end of the member's quiet hours."""
LEARNING_TEMPLATE = "reminders.learning_prompt"
"""The outbound template of the learning prompt; the reminders cog registers its renderer."""


class Look(Protocol):
    """How reminders look (the cog's render module): messages with the delivery's marker."""

    def post(self, ctx: DeliveryContext, user_id: int | None, extras: Extras) -> port.Message: ...

    def fallback(self, ctx: DeliveryContext, user_id: int) -> port.Message: ...


async def wake(sender: ReminderSender, plan: bool) -> None:
    """The job function (module level, as APScheduler recommends)."""
    await sender.wake(plan=plan)


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
    queued: int = 0
    """Learning prompts handed to the outbound path."""
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
    recovered: bool = False
    declined: bool = False
    """Not sent: the person turned this kind of DM off."""
    until: datetime | None = None
    """Not sent yet: the person's quiet hours end then."""


def with_late_note(message: port.Message, due_at: datetime) -> port.Message:
    """The message with the late note: in its first card's description, or its text."""
    note = late_note(due_at)
    if not message.cards:
        return replace(message, content=f"{note}\n{message.content}" if message.content else note)
    first = message.cards[0]
    description = f"{note}\n\n{first.description or ''}".strip()[:4096]
    return replace(message, cards=(replace(first, description=description), *message.cards[1:]))


class ReminderSender:
    def __init__(
        self,
        db: Database,
        out: port.DiscordPort,
        clock: Clock,
        config: AppConfig,
        scheduler: Any,
        look: Look,
        *,
        keyring: Callable[[], Keyring],
        outbox: outbound.Outbox | None = None,
        standby: StandbyFinder | None = None,
        themes: ThemesFinder | None = None,
        roles: RolesFinder | None = None,
    ) -> None:
        self.db = db
        self.port = out
        self.clock = clock
        self.config = config
        self.scheduler = scheduler
        self.look = look
        self.keyring = keyring
        """The data key (asked for when needed: it may load after the sender is built),
        which opens the custom reminders' texts."""
        self.outbox = outbox
        self.settings = EngineSettings.from_config(config)
        self.token = secrets.token_hex(8)
        """Identifies this run's claims; a claim under another token was left by a crash."""
        self.standby = standby
        self.themes = themes
        self.roles = roles
        self._lock = asyncio.Lock()
        self._again = False
        self._again_plan = False
        self._closing = False
        self._sem = asyncio.Semaphore(SEND_CONCURRENCY)

    # --- scheduling ------------------------------------------------------------------

    def _run_date(self, due: datetime) -> datetime:
        """The scheduler runs on the real clock; the bot's clock may be a test's. Fire when
        the bot's clock reaches ``due`` (the same instant in production)."""
        return utcnow() + (due - self.clock())

    def _add_wake_job(self, job_id: str, trigger: Any, *, plan: bool, **options: Any) -> None:
        """One APScheduler job that wakes the sender (explicit id, replacing its earlier
        self; runs once however many runs it missed)."""
        self.scheduler.add_job(
            wake,
            trigger,
            args=[self, plan],
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            **options,
        )

    def _add_date_job(self, job_id: str, due: datetime) -> None:
        trigger = DateTrigger(run_date=self._run_date(due))
        self._add_wake_job(job_id, trigger, plan=False, misfire_grace_time=None)

    def schedule(self, planned: Sequence[tuple[int, datetime]]) -> None:
        for occurrence_id, due in planned:
            self._add_date_job(OCCURRENCE_JOB.format(occurrence_id), due)

    def schedule_retry(self, delivery_id: int, at: datetime) -> None:
        self._add_date_job(RETRY_JOB.format(delivery_id), at)

    def unschedule(self, occurrence_ids: Sequence[int]) -> None:
        for occurrence_id in occurrence_ids:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(OCCURRENCE_JOB.format(occurrence_id))

    def apply(self, result: PlanResult) -> None:
        self.unschedule(result.settled)
        self.schedule(result.planned)

    async def rebuild(self) -> int:
        """Plan what is missing, then give every planned occurrence and pending retry its
        job, and start the sweep (which runs at once: the catch-up). Returns the job count."""
        now = self.clock()
        async with self.db.transaction() as session:
            planned = await plan_all(session, now, self.settings)
        async with self.db.transaction() as session:
            occurrences, retries = await claiming.wake_times(session)
        self.unschedule(planned.settled)
        self.schedule(occurrences)
        for delivery_id, at in retries:
            self.schedule_retry(delivery_id, at)
        poll = self.config.reminders.poll_seconds
        self._add_wake_job(
            SWEEP_JOB,
            IntervalTrigger(seconds=poll),
            plan=True,
            misfire_grace_time=poll,
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
        """Send everything that is due at ``now`` (default: the clock), from the database.
        Safe to call at any time and any number of times."""
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
        return fixed if fixed is not None else self.clock()

    async def _run_once(self, fixed: datetime | None, plan: bool, summary: RunSummary) -> None:
        if plan:
            async with self.db.transaction() as session:
                planned = await plan_all(session, self._now(fixed), self.settings)
            self.apply(planned)
            summary.planned += len(planned.planned)
        while True:
            async with self.db.transaction() as session:
                dispatched = await dispatch_due(
                    session, self._now(fixed), self.settings, standby=self.standby
                )
            self.apply(dispatched)
            summary.planned += len(dispatched.planned)
            summary.dispatched += dispatched.dispatched
            summary.missed += dispatched.missed
            if not dispatched.more:
                break
        for _ in range(2):  # the second round sends a report about the first one's failures
            async with self.db.transaction() as session:
                await report_problems(session, self._now(fixed), self.settings)
            if not await self._send_ready(fixed, summary):
                break

    async def _send_ready(self, fixed: datetime | None, summary: RunSummary) -> bool:
        """Claim, send and record in batches. True if anything was given up (to report)."""
        gave_up = False
        while not self._closing:
            async with self.db.transaction() as session:
                claimed = await claiming.claim_ready(
                    session, self._now(fixed), self.token, self.settings, limit=CLAIM_BATCH
                )
                contexts = await delivery_contexts(session, claimed.claims, self.keyring())
                extras = await self._extras(session, contexts)
                choices = await notifications.preferences_for(
                    session,
                    (
                        parse_target(c.target)[1]
                        for c in claimed.claims
                        if c.step in MEETING_DM_STEPS and parse_target(c.target)[0] == "user"
                    ),
                )
            # The claims are committed: only now is anything sent.
            summary.dropped += claimed.dropped
            gave_up = gave_up or claimed.dropped > 0
            if not claimed.claims:
                break
            direct = await self._hand_over(contexts, fixed, summary)
            outcomes = await asyncio.gather(
                *(
                    self._deliver(ctx, extras.get(ctx.claim.delivery_id), fixed, choices)
                    for ctx in direct
                )
            )
            gave_up = await self._record(direct, outcomes, fixed, summary) or gave_up
        return gave_up

    async def _hand_over(
        self,
        contexts: dict[int, DeliveryContext],
        fixed: datetime | None,
        summary: RunSummary,
    ) -> list[DeliveryContext]:
        """Queue the learning prompts on the outbound path (idempotent by key, recorded as
        sent in the same transaction); return the deliveries to send directly."""
        prompts = [
            ctx
            for ctx in contexts.values()
            if ctx.occurrence.step is ReminderStep.LEARNING_PROMPT
            and parse_target(ctx.claim.target)[0] == "user"
            and ctx.meeting is not None
        ]
        if not prompts:
            return list(contexts.values())
        async with self.db.transaction() as session:
            now = self._now(fixed)
            by_occurrence: dict[int, list[DeliveryContext]] = {}
            for ctx in prompts:
                by_occurrence.setdefault(ctx.occurrence.id, []).append(ctx)
            for occurrence_id, group in by_occurrence.items():
                meeting = group[0].meeting
                assert meeting is not None
                await outbound.enqueue_many(
                    session,
                    now,
                    kind=OutboundKind.LEARNING_PROMPT,
                    key=f"rem-learn-o{occurrence_id}",
                    user_ids=[parse_target(c.claim.target)[1] for c in group],
                    template=LEARNING_TEMPLATE,
                    params={"meeting_id": meeting.id},
                    label=f"Learning prompt for the meeting on {meeting.starts_at:%d %b %Y}",
                    not_before=group[0].occurrence.due_at,
                )
            for ctx in prompts:
                await claiming.record_sent(
                    session,
                    ctx.claim,
                    now,
                    channel_id=0,
                    message_id=0,
                    fallback=False,
                    late=False,
                )
        summary.queued += len(prompts)
        if self.outbox is not None:
            self.outbox.wake()
        handed = {ctx.claim.delivery_id for ctx in prompts}
        return [ctx for ctx in contexts.values() if ctx.claim.delivery_id not in handed]

    async def _record(
        self,
        contexts: list[DeliveryContext],
        outcomes: Sequence[Outcome],
        fixed: datetime | None,
        summary: RunSummary,
    ) -> bool:
        gave_up = False
        retries: list[tuple[int, datetime]] = []
        async with self.db.transaction() as session:
            now = self._now(fixed)
            for ctx, outcome in zip(contexts, outcomes, strict=True):
                claim = ctx.claim
                if outcome.declined:
                    await claiming.record_declined(session, claim, now, outcome.error)
                    continue
                if outcome.until is not None:
                    if await claiming.defer(session, claim, outcome.until):
                        retries.append((claim.delivery_id, outcome.until))
                    continue
                if outcome.sent:
                    await claiming.record_sent(
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
                    continue
                retry_at = await claiming.record_failure(
                    session, claim, now, self.settings, outcome.error, permanent=outcome.permanent
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
                        "reminders: delivery %s (%s) failed (attempt %d), retrying at %s: %s",
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
        self, session: AsyncSession, contexts: dict[int, DeliveryContext]
    ) -> dict[int, Extras]:
        """How many are coming (group reminders); who is coming, newcomers' roles and the
        themes of recent shared learnings (hand-over packs)."""
        extras: dict[int, Extras] = {}
        lookback = timedelta(days=self.config.reminders.themes_lookback_days)
        for delivery_id, ctx in contexts.items():
            occurrence = ctx.occurrence
            if occurrence.step not in (ReminderStep.GROUP, ReminderStep.FACILITATOR_PACK):
                continue
            try:
                extras[delivery_id] = await extras_for(
                    session,
                    occurrence.step,
                    occurrence.meeting_id,
                    occurrence.due_at,
                    themes=self.themes,
                    lookback=lookback,
                    roles=self.roles,
                )
            except Exception:
                log.exception("reminders: could not read who is coming or themes for a reminder")
        return extras

    # --- sending -----------------------------------------------------------------------

    async def _deliver(
        self,
        ctx: DeliveryContext,
        extras: Extras | None,
        fixed: datetime | None,
        choices: dict[int, notifications.Preferences],
    ) -> Outcome:
        async with self._sem:
            now = self._now(fixed)
            claim = ctx.claim
            due = claim.due_at
            kind, ident = parse_target(claim.target)
            choice = choices.get(ident) if kind == "user" else None
            if choice is not None and not claim.recovering:
                if not choice.wants(OutboundKind.MEETING_REMINDER):
                    return Outcome(False, declined=True, error="turned meeting reminders off")
                zone = self.config.community.zone
                if (until := choice.quiet_until(now, zone)) is not None:
                    return Outcome(False, until=until)
                # Held back by quiet hours is not late: it is measured from their end.
                due = max(due, choice.quiet_until(due, zone) or due)
            late = claim.step is not ReminderStep.REPORT and now - due > self.settings.late_after
            try:
                return await self._send(ctx, extras or NONE, late)
            except port.PortError as exc:
                return Outcome(sent=False, error=exc.detail, permanent=port.is_permanent(exc))
            except Exception as exc:
                log.exception("reminders: unexpected error sending delivery %s", claim.delivery_id)
                return Outcome(sent=False, error=f"unexpected {type(exc).__name__}")

    @property
    def _fallback_channel_id(self) -> int:
        return self.config.reminders.dm_fallback_channel or self.config.channels.welcome

    def _finish(
        self, message: port.Message, ctx: DeliveryContext, late: bool, *, fallback: bool = False
    ) -> port.Message:
        if late:
            message = with_late_note(message, ctx.occurrence.due_at)
        return replace(message, nonce=nonce(ctx.claim.delivery_id, fallback=fallback))

    async def _send(self, ctx: DeliveryContext, extras: Extras, late: bool) -> Outcome:
        claim = ctx.claim
        mark = marker(claim.delivery_id)
        kind, ident = parse_target(claim.target)
        if kind == "channel":
            if claim.recovering and (found := await self.port.find_in_channel(ident, mark)):
                return self._recovered(claim.delivery_id, found)
            message = self._finish(self.look.post(ctx, None, extras), ctx, late)
            sent = await self.port.post(ident, message)
            return Outcome(True, sent.channel_id, sent.message_id, late=late)
        if kind != "user":
            raise port.PortError(f"unknown target {claim.target}")
        if claim.recovering:
            if found := await self.port.find_in_dm(ident, mark):
                return self._recovered(claim.delivery_id, found)
            if found := await self.port.find_in_channel(self._fallback_channel_id, mark):
                return self._recovered(claim.delivery_id, found, fallback=True)
        message = self._finish(self.look.post(ctx, ident, extras), ctx, late)
        try:
            sent = await self.port.dm(ident, message)
            return Outcome(True, sent.channel_id, sent.message_id, late=late)
        except port.DmClosed:
            log.info("reminders: DMs closed for a recipient; pointing them to the fallback channel")
        fallback = self._finish(self.look.fallback(ctx, ident), ctx, late, fallback=True)
        sent = await self.port.post(self._fallback_channel_id, fallback)
        return Outcome(True, sent.channel_id, sent.message_id, fallback=True, late=late)

    def _recovered(self, delivery_id: int, found: port.Sent, *, fallback: bool = False) -> Outcome:
        log.info("reminders: delivery %s was already sent before a restart", delivery_id)
        return Outcome(True, found.channel_id, found.message_id, fallback=fallback, recovered=True)
