"""Reading when a reminder fires, and the reminders' config."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import AppConfig
from bot.errors import ConfigError, InvalidInput
from bot.services.reminders import clean_text, parse_when

BRISBANE = ZoneInfo("Australia/Brisbane")
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 2 March, 10:00 in Brisbane


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BRISBANE).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-01 09:00", local("2026-12-01 09:00")),
        ("2026-12-01 at 9am", local("2026-12-01 09:00")),
        ("2026-12-01T14:30", local("2026-12-01 14:30")),
        ("in 2 hours", NOW + timedelta(hours=2)),
        ("in 90 minutes", NOW + timedelta(minutes=90)),
        ("in an hour", NOW + timedelta(hours=1)),
        ("in 1 hour 30 minutes", NOW + timedelta(minutes=90)),
        ("in 3 days", NOW + timedelta(days=3)),
        ("in 2 weeks", NOW + timedelta(weeks=2)),
        ("in 1 month", local("2026-04-02 10:00")),
        ("tomorrow at 9:00", local("2026-03-03 09:00")),
        ("Tomorrow 9am", local("2026-03-03 09:00")),
        ("today at 17:30", local("2026-03-02 17:30")),
        ("friday at 14:30", local("2026-03-06 14:30")),
        ("monday at 9am", local("2026-03-09 09:00")),  # today's 09:00 has passed
        ("monday at 11:00", local("2026-03-02 11:00")),  # later today
        ("next monday at 11:00", local("2026-03-09 11:00")),
        ("at 15:00", local("2026-03-02 15:00")),
        ("8:00", local("2026-03-03 08:00")),  # the next 08:00
        ("noon", local("2026-03-02 12:00")),
    ],
)
def test_parse_when_reads_one_off_times_in_the_community_zone(
    typed: str, expected: datetime
) -> None:
    schedule = parse_when(typed, BRISBANE, NOW)
    assert schedule.first_at == expected
    assert schedule.rule is None
    assert schedule.describe() == "once"


def test_parse_when_reads_recurring_times() -> None:
    schedule = parse_when("every 2 weeks on Monday at 09:00", BRISBANE, NOW)
    assert schedule.recurring
    assert schedule.first_at == local("2026-03-09 09:00")
    assert schedule.next_after(schedule.first_at) == local("2026-03-23 09:00")
    assert schedule.describe() == "every 2 weeks on Monday at 09:00 (Australia/Brisbane)"


def test_recurring_reminder_keeps_its_wall_time_across_daylight_saving() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    schedule = parse_when("every day at 09:00", sydney, datetime(2026, 4, 3, tzinfo=UTC))
    moment = schedule.first_at
    seen = []
    for _ in range(4):  # 4 to 7 April: daylight saving ends on Sunday 5 April at 03:00
        seen.append(moment)
        nxt = schedule.next_after(moment)
        assert nxt is not None
        moment = nxt
    assert [m.astimezone(sydney).strftime("%d %H:%M") for m in seen] == [
        "04 09:00",
        "05 09:00",
        "06 09:00",
        "07 09:00",
    ]
    assert [m.strftime("%H:%M") for m in seen] == ["22:00", "23:00", "23:00", "23:00"]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("2026-03-01 09:00", "is in the past"),
        ("in 0 minutes", "is in the past"),
        ("yesterday at 9", "is in the past"),
        ("whenever", "isn't a date and time I understand"),
        ("tomorrow 9", "isn't a date and time I understand"),  # 9 what? say at 9 or 9am
        ("2026-02-30 09:00", "isn't a date"),
        ("2026-12-01", "Add a time of day"),
        ("25:00", "isn't a time of day"),
        ("every blue moon", "isn't a repeating time I understand"),
        ("", "Say when"),
        ("in 20 years", "more than ten years away"),
    ],
)
def test_parse_when_refuses_with_one_sentence_and_examples(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_when(typed, BRISBANE, NOW)
    message = caught.value.message
    assert says in message
    assert message.count(". ") <= 2
    if says not in {"Add a time of day", "more than ten years away", "isn't a date"}:
        assert "`" in message.split(says, 1)[1]  # it shows examples that work


def test_one_off_only_refuses_a_repeating_time() -> None:
    with pytest.raises(InvalidInput, match="repeats"):
        parse_when("every day at 9:00", BRISBANE, NOW, allow_recurring=False)


def test_raw_rule_longer_than_a_reminder_keeps_is_refused() -> None:
    minutes = ",".join(str(n) for n in range(60))
    days = ",".join(str(n) for n in range(1, 32))
    hours = ",".join(str(n) for n in range(24))
    hourly = f"RRULE:FREQ=DAILY;BYMONTHDAY={days};BYHOUR={hours};BYMINUTE=0"
    assert len(parse_when(hourly, BRISBANE, NOW).rule or "") <= 500
    typed = f"RRULE:FREQ=DAILY;BYMONTHDAY={days};BYHOUR={hours};BYMINUTE={minutes}"
    with pytest.raises(InvalidInput, match="characters long; the limit is 500") as caught:
        parse_when(f"{typed};BYSECOND={minutes}", BRISBANE, NOW)
    assert "`every week on Monday at 09:00`" in caught.value.message


def test_text_over_the_limit_is_refused_clearly() -> None:
    assert clean_text("  Bring the sign-in sheet  ", 100) == "Bring the sign-in sheet"
    with pytest.raises(InvalidInput, match="101 characters long; the limit is 100"):
        clean_text("x" * 101, 100)
    with pytest.raises(InvalidInput, match="Write what the reminder should say"):
        clean_text("   ", 100)


def test_reminders_config_defaults_follow_the_issue(config: AppConfig) -> None:
    r = config.reminders
    assert r.group_days_before == (7, 1)
    assert r.facilitator_pack_days_before == 7
    assert r.confirm_days_before == 2
    assert r.escalate_days_before == 1
    assert r.learning_prompt_days_after == 1


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (
            {"confirm_days_before": 1, "escalate_days_before": 1},
            "reminders.escalate_days_before: must be less than confirm_days_before (1)",
        ),
        ({"group_days_before": [7, 7]}, "reminders.group_days_before: list each number"),
        ({"late_grace_minutes": 0}, "reminders.late_grace_minutes = 0: must be at least 1"),
        (
            {"retry_base_seconds": 60, "retry_max_seconds": 30},
            "reminders.retry_max_seconds: must be at least retry_base_seconds (60)",
        ),
        ({"colour": "teal"}, "reminders.colour: is not a known setting"),
    ],
)
def test_reminders_config_mistakes_are_one_line_each(
    config_factory: Callable[..., Any], values: dict[str, Any], line: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config_factory(reminders=values)
    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith(line)
