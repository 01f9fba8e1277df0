"""The interactive demo, driven through standard input as a person at a terminal would:
act as a member, type /learning add, answer the form's prompts, and find it stored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TYPED = [
    "as fay",
    "/learning add",
    "Principals first",  # title
    "Schools joined the partnership late.",  # what happened
    "Invite principals before the first workshop.",  # what I learned
    "Send the agenda a fortnight early.",  # next time
    "education",  # tags
    "choose 1 group",
    "/learning mine",
    "quit",
]


def test_interactive_demo_stores_a_typed_learning(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", "demo", "--interactive", "--output", str(tmp_path / "out")],
        cwd=ROOT,
        input="\n".join(TYPED) + "\n",
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "You are now Fay Roberts." in out
    assert "Saved learning **#5** · Principals first" in out
    assert "Learning **#5** is now `group`" in out
    # /learning mine reads it back from the database
    mine = out[out.rindex("uses /learning mine") :]
    assert "#5 · Principals first" in mine
