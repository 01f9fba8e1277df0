"""The interactive demo, driven through standard input as a person at a terminal would:
act as a member, type /learning add, answer the form's prompts, and find it stored; ask
another member to swap a turn, answer as them, and see the roster change."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from datetime import datetime
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


class Terminal:
    """The interactive demo in a child process, typed at line by line: ``expect`` waits
    for what the demo prints (prompts included, which end without a newline)."""

    def __init__(self, output: Path) -> None:
        env = {**os.environ, "COLUMNS": "250"}  # no wrapped lines to parse
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bot", "demo", "--interactive", "--output", str(output)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._seen = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := os.read(self.process.stdout.fileno(), 65536):
            with self._lock:
                self._buffer.extend(chunk)

    def expect(self, pattern: str, within: float = 60) -> str:
        """Everything printed up to and including the next match of ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self._lock:
                text = self._buffer.decode(errors="replace")
            if match := regex.search(text, self._seen):
                seen, self._seen = self._seen, match.end()
                return text[seen : match.end()]
            if self.process.poll() is not None and not regex.search(text, self._seen):
                break
            time.sleep(0.05)
        with self._lock:
            tail = self._buffer.decode(errors="replace")[self._seen :][-3000:]
        raise AssertionError(f"never printed {pattern!r}; last output:\n{tail}")

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def close(self) -> int:
        """Type quit and end standard input (which also abandons a form half answered)."""
        if self.process.poll() is None:
            self.type("quit")
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            return self.process.wait(60)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def _turn_of(roster: str, name: str) -> str:
    """The date (YYYY-MM-DD) of ``name``'s turn in a roster as the transcript prints it."""
    lines = roster.splitlines()
    at = next(n for n, line in enumerate(lines) if f"facilitator @{name}" in line)
    found = re.search(r"• \w{3} (\d{2} \w{3} \d{4})", lines[at - 1])
    assert found is not None, lines[at - 1]
    return datetime.strptime(found.group(1), "%d %b %Y").date().isoformat()  # noqa: DTZ007


def test_interactive_swap_reaches_cal_who_accepts_and_the_roster_shows_cal(
    tmp_path: Path,
) -> None:
    terminal = Terminal(tmp_path / "out")
    try:
        terminal.expect(r"cora> ", within=420)  # after the scenes
        terminal.type("as ben")
        terminal.expect(r"You are now Ben Walker\.")
        terminal.type("/roster show count:6")
        date = _turn_of(terminal.expect(r"Can't make your turn.*\n"), "Ben Walker")

        terminal.type(f"/roster swap date:{date} member:@cal")
        asked = terminal.expect(r"These buttons are for .*\n")
        assert "uses /roster swap date:" in asked
        assert "member:@Cal Chen" in asked  # a member option reads as a name, not an id
        assert "These buttons are for Cal Chen: type `as cal`" in asked
        assert "[1] button" not in asked  # Ben is not offered Cal's buttons

        terminal.type("as cal")
        offered = terminal.expect(r"\[2\] button: Decline\n")
        assert "You are now Cal Chen." in offered
        assert "Waiting for you: #roster:" in offered
        assert "[1] button: Accept swap" in offered

        terminal.type("press 1")
        terminal.expect(r"Cal Chen accepted")
        terminal.type("/roster show count:6")
        roster = terminal.expect(
            r"Cal Chen uses /roster show[^\n]*\n(.*\n)*?.*Can't make your turn.*\n"
        )
        assert _turn_of(roster, "Cal Chen") == date
        assert re.search(r"\(in \d+ (week|day)s?\)", roster)  # not raw seconds
        assert not re.search(r"in \d+ s\b", roster)

        terminal.type("as zed")
        terminal.expect(r"Say who: `as NAME`")
        terminal.type("/roster")
        terminal.expect(r"/roster needs one more word")
        terminal.type("/nonsense")
        terminal.expect(r"There is no /nonsense command")
    finally:
        code = terminal.close()
    assert code == 0


def test_sample_applicant_can_apply_with_join(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path / "out")
    try:
        terminal.expect(r"cora> ", within=420)
        terminal.type("as sam")
        terminal.expect(r"You are now Sam Okafor\.")
        terminal.type("/join")
        first = terminal.expect(r"Sam Okafor uses /join.*\n(.*\n)*?  [^\n]+: $")  # the form
        assert "There is no" not in first
    finally:
        terminal.close()
