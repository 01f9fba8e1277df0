"""The wheel works without the source tree: built from a copy of the project, installed
into an empty directory with no network, it migrates a fresh SQLite database."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.db import alembic_config
from tests.builders import write_config

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "bot", "cogs", "emulator", "migrations")

pytestmark = pytest.mark.e2e  # builds a wheel: a few seconds, so not in the inner loop


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603
        args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False, env=env
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_wheel_installed_in_clean_target_migrates_fresh_database(tmp_path: Path) -> None:
    # Build from a copy, so the shared work tree gets no build/ or egg-info directories.
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if not src.exists():
            continue
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, source / name)
    wheels = tmp_path / "wheels"
    pip = (sys.executable, "-m", "pip")
    quiet = ("--quiet", "--disable-pip-version-check", "--no-index", "--no-deps")
    _run(
        *pip, "wheel", *quiet, "--no-build-isolation", "-w", str(wheels), str(source), cwd=tmp_path
    )
    (wheel,) = wheels.glob("cop_bot-*.whl")

    target = tmp_path / "target"
    _run(*pip, "install", *quiet, "--target", str(target), str(wheel), cwd=tmp_path)
    assert (target / "migrations" / "script.py.mako").is_file()
    assert (target / "migrations" / "env.py").is_file()
    assert list((target / "migrations" / "versions").glob("0001_*.py"))

    # -S: no site-packages .pth files, so the editable install of this checkout cannot
    # shadow the wheel; the dependencies come from this venv's site-packages.
    site_packages = sysconfig.get_paths()["purelib"]
    env = {"PYTHONPATH": f"{target}:{site_packages}", "PATH": "/usr/bin:/bin"}
    where = _run(
        sys.executable,
        "-S",
        "-c",
        "import bot, migrations; print(bot.__file__); print(migrations.__file__)",
        cwd=tmp_path,
        env=env,
    )
    assert all(line.startswith(str(target)) for line in where.split()), where

    db_file = tmp_path / "data" / "cop.sqlite3"
    config = write_config(tmp_path / "config.toml", db_file)
    out = _run(
        sys.executable, "-S", "-m", "bot", "migrate", "--config", str(config), cwd=tmp_path, env=env
    )
    assert "newest schema" in out
    with sqlite3.connect(db_file) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master")}
        (version,) = conn.execute("select version_num from alembic_version").fetchone()
    assert {"members", "alembic_version"} <= tables
    head = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_current_head()
    assert version == head
