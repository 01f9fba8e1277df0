"""The report as a coordinator sees it: rendered in headless Chromium (Debian's package,
installed by ``.ci/run``) and printed to A4 PDF.

Checks: every chart is visible and not blank, nothing overflows the A4 page width, the
page logs no console errors, and the PDF has A4 pages.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
from pathlib import Path

import pytest

from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.services import report
from tests.report.seed import END, NOW, START, seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Chromium is not installed here (`apt-get install chromium`); CI installs it",
    ),
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
A4_WIDTH_PX = 794  # 210 mm at 96 px per inch
A4_POINTS = (595.0, 842.0)


async def _render(
    tmp_path: Path, html: bytes
) -> tuple[list[str], dict[str, object], bytes, bytes, dict[str, bytes]]:
    from playwright.async_api import async_playwright

    assert CHROMIUM is not None, "CI must install Chromium (see .ci/run)"
    page_file = tmp_path / "report.html"
    page_file.write_bytes(html)
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = await browser.new_page(viewport={"width": A4_WIDTH_PX, "height": 1123})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(page_file.as_uri())
            facts = await page.evaluate(
                """() => {
                  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
                    const svg = f.querySelector('svg');
                    const r = (svg || f).getBoundingClientRect();
                    return {id: f.id, hasSvg: !!svg, width: r.width, height: r.height,
                            right: r.right, shapes: svg ? svg.querySelectorAll('path').length : 0};
                  });
                  const widest = Math.max(...[...document.querySelectorAll('body *')]
                    .map(e => e.getBoundingClientRect().right));
                  return {charts, scrollWidth: document.documentElement.scrollWidth,
                          innerWidth: window.innerWidth, widest};
                }"""
            )
            screenshot = await page.screenshot(full_page=True)
            shots = {}
            for figure in await page.locator("figure.chart svg").all():
                key = await figure.evaluate("e => e.closest('figure').id")
                shots[key] = await figure.screenshot()
            await page.emulate_media(media="print")
            pdf = await page.pdf(format="A4", print_background=True)
        finally:
            await browser.close()
    return errors, facts, screenshot, pdf, shots


async def test_report_renders_in_chromium_and_prints_to_a4(
    tmp_path: Path, db: Database, config: AppConfig
) -> None:
    from PIL import Image
    from pypdf import PdfReader

    keyring = Keyring.generate()
    await seed(db, keyring)
    async with db.transaction() as session:
        _, rendered = await report.make_report(session, keyring, config, START, END, NOW)
    errors, facts, screenshot, pdf, shots = await _render(tmp_path, rendered.html)
    keep = Path(os.environ.get("COP_REPORT_SCREENSHOT", tmp_path / "report.png"))
    await asyncio.to_thread(keep.write_bytes, screenshot)  # to look at it as a person would

    assert errors == []
    charts = facts["charts"]
    assert isinstance(charts, list)
    drawn = [c for c in charts if c["hasSvg"]]
    assert len(drawn) == rendered.charts >= 7
    for chart in drawn:
        assert chart["width"] > 300, chart
        assert chart["height"] > 80, chart
        assert chart["shapes"] > 5, chart  # bars, axes and labels were drawn
    assert int(str(facts["scrollWidth"])) <= int(str(facts["innerWidth"])), facts
    assert float(str(facts["widest"])) <= A4_WIDTH_PX + 0.5, facts

    # Not blank: each chart, as the browser drew it, has ink (bars, axes, labels) in it.
    assert set(shots) == {c["id"] for c in drawn}
    for key, png in shots.items():
        image = Image.open(io.BytesIO(png)).convert("L")
        inked = sum(image.histogram()[:200])
        assert inked > 0.01 * image.width * image.height, f"{key} looks blank"

    reader = PdfReader(io.BytesIO(pdf))
    assert 2 <= len(reader.pages) <= 12
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 2
        assert abs(height - A4_POINTS[1]) < 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Membership over time" in text
