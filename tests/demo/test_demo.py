"""The demo, non-interactively: every scene plays and its files are right. It runs in real
(compressed) time, about half a minute."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
from rich.console import Console

from bot.demo import run_demo
from bot.demo.scenes import LEARNINGS


async def test_demo_plays_every_scene_and_saves_correct_files(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    console = Console(record=True, width=120, file=(tmp_path / "console.txt").open("w"))
    assert await run_demo(out, console=console) == 0

    transcript = (out / "transcript.txt").read_text()
    for number in range(1, 13):
        assert f"Scene {number}:" in transcript
    assert "Nina Patel joins the server" in transcript
    assert "gives Nina Patel the Member role" in transcript
    assert "Please welcome @Nina Patel" in transcript
    assert "Sent late" in transcript  # the reminder that fell due while the bot was down
    assert "each sent exactly once" in transcript

    digest = (out / "digest.md").read_text()
    html = (out / "digest.html").read_text()
    for _username, level, fields in LEARNINGS:
        for text in (fields["learned"], fields["happened"]):
            shown = level in {"digest-anonymous", "digest-named"}
            assert (text in digest) is shown, (level, text)
            assert (text.replace("'", "&#x27;") in html or text in html) is shown, (level, text)
    assert "Dee Dawson" in digest  # named
    assert "Cal Chen" not in digest
    assert "Mackay Youth Connect" not in digest

    calendar = icalendar.Calendar.from_ical((out / "meetings.ics").read_bytes())
    events = calendar.walk("VEVENT")
    assert events
    assert all(event.get("DTSTART") is not None for event in events)

    report = (out / "report.html").read_text()
    assert "Membership over time" in report
    assert "Joint grant for the youth hub" in report
    for _username, _level, fields in LEARNINGS:  # aggregates only: no learning text
        assert fields["learned"] not in report
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files"]["report"].endswith("report.html")
