"""``python -m bot run`` as a real process for the end-to-end tests, and the TOML text
of a config (written the way an operator writes it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.config import AppConfig
from tests.e2e.harness import World

ROOT = Path(__file__).resolve().parents[2]


def toml_text(data: dict[str, dict[str, object]]) -> str:
    lines = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {value!r}".replace("'", '"'))
    return "\n".join(lines) + "\n"


class BotProcess:
    """``python -m bot run`` as a separate process, killed for real."""

    def __init__(self, world: World, config_path: Path, config: AppConfig) -> None:
        self.world = world
        self.config_path = config_path
        self.config = config
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = config_path.parent / "bot.log"

    def start(self) -> None:
        env = {**os.environ, "DISCORD_TOKEN": self.world.emu.bot_token}
        env.pop("COP_DATA_KEY", None)
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bot", "run", "--config", str(self.config_path)],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None
