"""Clear failures from the command line: an unreachable Discord, a token file that is
missing or unreadable, and a limit broken in the config: one line each, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.builders import write_config
from tests.ops.cli import run_cli

pytestmark = pytest.mark.e2e  # each test starts `python -m bot`: seconds apiece


def _config(tmp_path: Path, discord_extra: str = "", extra: str = "") -> Path:
    return write_config(
        tmp_path / "config.toml",
        tmp_path / "cop.sqlite3",
        backup_dir=tmp_path / "backups",
        discord=discord_extra,
        extra=extra,
    )


def _cli(tmp_path: Path, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    if token is not None:
        env["DISCORD_TOKEN"] = token
    return run_cli(*args, env=env)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_run_with_discord_unreachable_says_so_in_one_line(tmp_path: Path) -> None:
    port = _closed_port()
    api = f"http://127.0.0.1:{port}/api/v10"
    config = _config(tmp_path, f'api_base_url = "{api}"\ngateway_url = "ws://127.0.0.1:{port}/"\n')
    result = _cli(tmp_path, "run", "--config", str(config), token="a.b.c")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].endswith(
        f"cannot reach Discord at {api} (ClientConnectorError): check the network or "
        "`discord.api_base_url`"
    )
    assert "retried with backoff by discord.py" in result.stderr


@pytest.mark.parametrize("command", ["run", "check-config"])
def test_missing_token_file_is_named_as_such(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "secrets" / "token"
    config = _config(tmp_path, f'token_file = "{missing}"')
    result = _cli(tmp_path, command, "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"discord.token_file: `{missing}` does not exist; put the bot's token in that file "
        "(or set DISCORD_TOKEN) and try again"
    ]


def test_unreadable_token_file_is_named_as_such(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.mkdir()  # unreadable as a file even for root (mode 000 would not stop root)
    config = _config(tmp_path, f'token_file = "{token}"')
    result = _cli(tmp_path, "check-config", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"discord.token_file: `{token}` cannot be read (Is a directory); check that the user "
        "running the bot may read it"
    )


def test_empty_token_file_is_named_as_such(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("\n")
    config = _config(tmp_path, f'token_file = "{token}"')
    result = _cli(tmp_path, "run", "--config", str(config))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"discord.token_file: `{token}` is empty; put the bot's token in it"
    )


def test_check_config_names_where_the_token_comes_from(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("a.b.c\n")
    config = _config(tmp_path, f'token_file = "{token}"')
    result = _cli(tmp_path, "check-config", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert f"token:      set (from {token})" in result.stdout


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    from bot import __version__

    result = _cli(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"cop-bot {__version__}"
