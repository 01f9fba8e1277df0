from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.config import AppConfig, load_config, parse_config, resolve_token
from bot.config.app import token_file_problem
from bot.errors import ConfigError
from tests.conftest import make_config_data
from tests.ops.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _errors(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.lines


def test_config_example_is_valid() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.community.timezone == "Australia/Brisbane"
    assert len(config.community.rules) == 4


def test_config_defaults_zone_and_database(tmp_path: Path) -> None:
    data = make_config_data(tmp_path)
    del data["database"]
    config = parse_config(data)
    assert config.community.timezone == "Australia/Brisbane"
    assert config.database.url == "sqlite+aiosqlite:///data/cop.sqlite3"


def test_config_bad_timezone_names_key(tmp_path: Path) -> None:
    lines = _errors(make_config_data(tmp_path, community={"timezone": "Mars/Olympus"}))
    assert lines == [
        "community.timezone: `Mars/Olympus` is not an IANA time zone; "
        "use a name like `Australia/Brisbane`"
    ]


def test_config_missing_guild_id_names_key(tmp_path: Path) -> None:
    data = make_config_data(tmp_path)
    del data["discord"]["guild_id"]
    assert _errors(data) == ["discord.guild_id: is required but missing"]


def test_config_non_integer_channel_names_key(tmp_path: Path) -> None:
    lines = _errors(make_config_data(tmp_path, channels={"welcome": "general"}))
    assert len(lines) == 1
    assert lines[0].startswith("channels.welcome: must be a whole number")
    assert "general" in lines[0]


def test_config_quoted_id_is_refused(tmp_path: Path) -> None:
    lines = _errors(make_config_data(tmp_path, roles={"member": "333"}))
    assert len(lines) == 1
    assert lines[0].startswith("roles.member:")


def test_config_token_in_file_is_refused(tmp_path: Path) -> None:
    lines = _errors(make_config_data(tmp_path, discord={"token": "abc"}))
    assert lines == [
        "discord.token: never put the token in the config file; set the DISCORD_TOKEN "
        "environment variable or `discord.token_file` instead"
    ]


def test_config_unknown_key_is_named(tmp_path: Path) -> None:
    lines = _errors(make_config_data(tmp_path, channels={"welcom": 5}))
    assert lines == [
        "channels.welcom: is not a known setting; check its spelling against config.example.toml"
    ]


def test_config_bad_database_url(tmp_path: Path) -> None:
    lines = _errors(make_config_data(tmp_path, database={"url": "mysql://x/y"}))
    assert len(lines) == 1
    assert lines[0].startswith("database.url:")


def test_config_postgres_url_accepted(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://cop:secret@db.internal:5432/cop"
    config = parse_config(make_config_data(tmp_path, database={"url": url}))
    assert config.database.url == url


@pytest.mark.parametrize("section", ["community.rules_version", "onboarding.pledge_version"])
def test_config_versions_fit_the_records_that_keep_them(tmp_path: Path, section: str) -> None:
    name, key = section.split(".")
    assert parse_config(make_config_data(tmp_path, **{name: {key: "v" * 50}}))
    lines = _errors(make_config_data(tmp_path, **{name: {key: "v" * 51}}))
    assert lines == [f"{section}: keep the version short, like `2` or `2026-03`"]


def test_config_several_mistakes_one_line_each(tmp_path: Path) -> None:
    data = make_config_data(tmp_path, community={"timezone": "Nowhere"})
    del data["discord"]["guild_id"]
    data["channels"]["roster"] = "x"
    assert len(_errors(data)) == 3


def test_config_token_from_env_then_file(config: AppConfig, tmp_path: Path) -> None:
    assert resolve_token(config, {"DISCORD_TOKEN": " abc "}) == "abc"
    assert resolve_token(config, {}) is None
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    with_file = parse_config(make_config_data(tmp_path, discord={"token_file": str(token_file)}))
    assert resolve_token(with_file, {}) == "from-file"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, timeout=60)


@pytest.mark.e2e  # starts `python -m bot`
@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('timezone = "Mars/Olympus"', "community.timezone: `Mars/Olympus` is not an IANA"),
        ("", "discord.guild_id: is required but missing"),
        ('welcome = "general"', "channels.welcome: must be a whole number"),
    ],
)
def test_check_config_cli_one_line_no_traceback(tmp_path: Path, toml: str, expected: str) -> None:
    discord_section = "" if not toml else "guild_id = 1\n"
    community = toml if "timezone" in toml else ""
    welcome = toml if "welcome" in toml else "welcome = 4"
    text = (
        f"[discord]\n{discord_section}\n[community]\n{community}\n"
        "[roles]\ncoordinator = 1\nmember = 2\n"
        f"[channels]\n{welcome}\nroster = 5\ncoordinators = 6\nannouncements = 7\n"
    )
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = _cli("check-config", "--config", str(path))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected)
    assert "Traceback" not in result.stderr


@pytest.mark.e2e  # starts `python -m bot`
def test_check_config_cli_summary() -> None:
    result = _cli("check-config", "--config", "config.example.toml")
    assert result.returncode == 0, result.stderr
    assert "Australia/Brisbane" in result.stdout


@pytest.mark.e2e  # starts `python -m bot`
def test_run_without_token_says_how(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = _cli("run", "--config", "config.example.toml", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("section", "values", "expected"),
    [
        (
            "learnings",
            {"attachment_limit_mb": 0},
            "learnings.attachment_limit_mb = 0: must be more than 0",
        ),
        ("reminders", {"poll_seconds": 1}, "reminders.poll_seconds = 1: must be at least 5"),
        (
            "reminders",
            {"poll_seconds": 4000},
            "reminders.poll_seconds = 4000: must be at most 3600",
        ),
        ("rotation", {"horizon_days": 10}, "rotation.horizon_days = 10: must be at least 28"),
        ("database", {"backup_keep": 0}, "database.backup_keep = 0: must be at least 1"),
        ("learnings", {"page_size": 11}, "learnings.page_size = 11: must be at most 10"),
    ],
)
def test_config_limit_names_key_value_and_limit(
    tmp_path: Path, section: str, values: dict[str, Any], expected: str
) -> None:
    assert _errors(make_config_data(tmp_path, **{section: values})) == [expected]


def test_config_zero_id_is_not_a_discord_id(tmp_path: Path) -> None:
    (line,) = _errors(make_config_data(tmp_path, roles={"member": 0}))
    assert line.startswith("roles.member: `0` is not a Discord id")


def test_token_file_problem_names_the_key_and_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "token"
    config = parse_config(make_config_data(tmp_path, discord={"token_file": str(missing)}))
    problem = token_file_problem(config, {})
    assert problem is not None
    assert problem.startswith(f"discord.token_file: `{missing}` does not exist")
    assert token_file_problem(config, {"DISCORD_TOKEN": "abc"}) is None  # the file is not used
    missing.write_text("  \n")
    assert token_file_problem(config, {}) == (
        f"discord.token_file: `{missing}` is empty; put the bot's token in it"
    )
    missing.write_text("abc\n")
    assert token_file_problem(config, {}) is None
