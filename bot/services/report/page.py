"""The report as one self-contained HTML page (charts inline, no scripts, no external
files) that prints well to A4. Rendered with Jinja2 with autoescaping on, so every
piece of text (outcome titles, names, themes) is escaped."""

from __future__ import annotations

import hashlib
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.services.report.charts import Chart, draw_all
from bot.services.report.data import ReportData, long_date
from bot.services.report.rendered import RenderedReport


def _safe_svg(svg: str) -> Markup:
    # The SVG comes from matplotlib, drawn from numbers and our own labels; category
    # labels inside it are drawn as paths (svg.fonttype = path), so no member text is
    # carried as markup.
    return Markup(svg)  # noqa: S704


_ENV = Environment(
    loader=PackageLoader("bot.services.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_ENV.filters["safe_svg"] = _safe_svg
_ENV.filters["long_date"] = long_date
_PAGE = _ENV.get_template("report.html.j2")


def render(data: ReportData, title: str = "") -> RenderedReport:
    """Draw the charts and render the page. CPU-bound: call it off the event loop."""
    charts: list[Chart] = draw_all(data)
    heading = title or f"{data.community}: what we achieved"
    made = long_date(data.generated_at.astimezone(data.period.zone).date())
    period = f"{long_date(data.period.start)} to {long_date(data.period.end)}"
    page = _PAGE.render(title=heading, period=period, made=made, data=data, charts=charts)
    html = page.encode("utf-8")
    headline = next((c.png for c in charts if c.png), b"")
    if not headline:
        headline = _placeholder_png(heading)
    return RenderedReport(
        html, headline, hashlib.sha256(html).hexdigest(), sum(1 for c in charts if c.svg)
    )


def _placeholder_png(heading: str) -> bytes:
    """A small picture that says there is no headline chart for this period."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 2))
    fig.text(0.5, 0.6, heading, ha="center", fontsize=12)
    fig.text(0.5, 0.35, "Nobody joined, lapsed or left in this period.", ha="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M")
