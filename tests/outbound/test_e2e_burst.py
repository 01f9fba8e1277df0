"""A burst of 500 learning prompts through the real bot process and the emulator: paced
under Discord's limits, and exactly once even though the process is SIGKILLed mid-burst."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import parse_config
from bot.db import Database
from bot.models import OutboundKind
from bot.services import outbound
from bot.services import reminders as svc
from emulator.models import snowflake_time
from tests.e2e.harness import World
from tests.e2e.process import BotProcess, toml_text
from tests.reminders.helpers import add_meeting

pytestmark = pytest.mark.e2e
BURST = 500
RATE = 10.0
"""dm_per_second for this test (the default is 2): fast enough to finish in a minute."""
GLOBAL_LIMIT = 50
"""Discord's global limit: requests per second per bot."""
PROMPT = "What did you learn"


class RequestRate:
    """Samples how many requests the emulator has received, to find the busiest second."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.samples: list[tuple[float, int]] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic(), len(self.world.emu.requests)))
            await asyncio.sleep(0.1)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self._task

    def busiest_second(self) -> int:
        """The most requests in any window of (at least) one second between two samples."""
        best = 0
        j = 0
        for i, (t, n) in enumerate(self.samples):
            j = max(j, i)
            while j < len(self.samples) and self.samples[j][0] - t < 1.0:
                j += 1
            if j < len(self.samples):
                best = max(best, self.samples[j][1] - n)
        return best


def busiest_dm_second(times: list[datetime]) -> int:
    ordered = sorted(times)
    best = 0
    j = 0
    for i, t in enumerate(ordered):
        while j < len(ordered) and ordered[j] - t < timedelta(seconds=1):
            j += 1
        best = max(best, j - i)
    return best


async def test_burst_of_500_prompts_is_paced_and_arrives_exactly_once_across_sigkill(
    world: World,
) -> None:
    people = []
    for i in range(BURST):
        user = world.emu.add_user(f"member{i:03d}", global_name=f"Member {i:03d}")
        world.emu.add_member(world.guild.id, user.id, roles=[world.member_role.id])
        people.append(user.id)
    data = world.config_data()
    data["notifications"] = {"dm_per_second": RATE, "poll_seconds": 1}
    path = world.tmp_path / "config.toml"
    path.write_text(toml_text(data))
    process = BotProcess(world, path, parse_config(data))
    rate = RequestRate(world)
    database = Database.from_url(world.config.database.url)
    try:
        process.start()
        await world.emu.wait_for_identify(1, timeout=60)
        await world.emu.wait_until_ready(timeout=60)
        rate.start()
        now = datetime.now(UTC)
        async with database.transaction() as session:
            meeting = await add_meeting(session, now - timedelta(days=1), now=now)
            batch = await outbound.enqueue_many(
                session,
                now,
                kind=OutboundKind.LEARNING_PROMPT,
                key=f"burst-{meeting.id}",
                user_ids=people,
                template=svc.LEARNING_TEMPLATE,
                params={"meeting_id": meeting.id},
                label="Learning prompt burst",
            )
        assert batch.added == BURST

        def prompts() -> list[tuple[int, int]]:
            found = []
            for user_id in people:
                for message in world.emu.dms_to(user_id):
                    if PROMPT in message.text:
                        found.append((user_id, message.id))
            return found

        await world.emu.wait_until(lambda: len(prompts()) >= 150, 120, "150 prompts")
        process.kill()  # mid-burst
        before = len(prompts())
        assert before < BURST
        process.start()
        await world.emu.wait_for_identify(2, timeout=60)
        await world.emu.wait_until(
            lambda: len({u for u, _ in prompts()}) >= BURST, 240, "every prompt"
        )
        await asyncio.sleep(3)  # more than one poll of the restarted bot: nothing else comes
        await rate.stop()
        delivered = prompts()
        assert Counter(u for u, _ in delivered) == Counter(people)  # exactly once each
        async with database.transaction() as session:
            progress = await outbound.progress(session, batch.id)
        assert (progress.sent, progress.pending, progress.failed) == (BURST, 0, 0)
        # Paced: never more than the configured DMs in any second, far under the global limit,
        # and the emulator never had to answer 429.
        dm_peak = busiest_dm_second([snowflake_time(m) for _, m in delivered])
        request_peak = rate.busiest_second()
        print(f"burst: {before} before SIGKILL; peak {dm_peak} DMs/s, {request_peak} requests/s")
        routes = Counter(f"{r.method} {r.route}" for r in world.emu.requests)
        print("burst: requests by route", routes.most_common(6))
        assert dm_peak <= RATE + 1
        assert request_peak < GLOBAL_LIMIT
        assert not [r for r in world.emu.requests if r.status == 429]
        # Every prompt points to /notifications.
        sample = next(m for m in world.emu.dms_to(people[0]) if PROMPT in m.text)
        assert "/notifications" in sample.text
    finally:
        process.stop()
        await database.dispose()
