"""``python -m bot report``: the page and its chart written owner-only, and recorded."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.crypto import Keyring, generate_key
from bot.datakeys import KEY_ENV
from bot.models import DigestExport
from bot.services.report import REPORT_FORMAT
from tests.learnings.test_cli import arrange, read, write_config


def test_report_cli_writes_private_files_and_records_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = generate_key()
    asyncio.run(arrange(tmp_path, Keyring.from_texts([key])))
    monkeypatch.setenv(KEY_ENV, key)
    out = tmp_path / "out" / "report.html"
    config = str(write_config(tmp_path))
    args = ["report", "--config", config, "--from", "1 March 2026", "--to", "31/03/2026"]
    assert main([*args, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Recorded as export #1" in said
    assert "Learnings recorded and shared" in out.read_text()
    assert "SHARED-ONE" not in out.read_text()  # aggregates only
    for path in (out, out.with_suffix(".png")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (record,) = asyncio.run(read(tmp_path, DigestExport))
    assert record.format == REPORT_FORMAT

    assert main(["report", "--config", config, "--from", "9999-12-31"]) == 2
    assert "too far from today" in capsys.readouterr().err
