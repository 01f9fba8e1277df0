"""[events] in the config: defaults, and one line naming the key for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import parse_config
from bot.errors import ConfigError
from tests.conftest import make_config_data


def test_events_defaults(tmp_path: Path) -> None:
    config = parse_config(make_config_data(tmp_path))
    assert config.events.enabled is True
    assert config.events.horizon_days == 60
    assert config.events.thread_days_before == 7
    assert config.events.image is None
    assert config.channels.meetings is None


@pytest.mark.parametrize(
    ("events", "key"),
    [
        ({"horizon_days": 0}, "events.horizon_days"),
        ({"thread_days_before": -1}, "events.thread_days_before"),
        ({"image": "missing.png"}, "events.image"),
        ({"image": "cover.txt"}, "events.image"),
        ({"enabled": "maybe"}, "events.enabled"),
        ({"colour": "teal"}, "events.colour"),
    ],
)
def test_events_mistakes_name_the_key(tmp_path: Path, events: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(make_config_data(tmp_path, events=events))
    assert len(error.value.lines) == 1
    assert error.value.lines[0].startswith(key)


def test_events_image_that_exists_is_accepted(tmp_path: Path) -> None:
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"\x89PNG\r\n\x1a\n")
    config = parse_config(make_config_data(tmp_path, events={"image": str(cover)}))
    assert config.events.image == cover
