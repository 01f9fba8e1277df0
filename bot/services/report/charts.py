"""The report's charts, drawn with matplotlib (object API, no pyplot state) as inline SVG.

Every chart comes with its text alternative: a caption and the numbers as a table.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import matplotlib as mpl

mpl.use("Agg")

from matplotlib.figure import Figure

from bot.services.report.data import Grouped, ReportData, long_date

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#7F7F7F",
)
WIDTH_IN = 7.0
_SVG_START = re.compile(r"<svg\b")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass
class Chart:
    key: str
    title: str
    caption: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    svg: str = ""
    empty_note: str = ""
    """Said instead of a chart when there is nothing to draw."""
    png: bytes = field(default=b"", repr=False)


def _figure(height: float = 3.0) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def _style(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.grid(axis="y", alpha=0.3)  # type: ignore[attr-defined]
    ax.set_axisbelow(True)  # type: ignore[attr-defined]


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": "cop-bot", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = _COMMENT.sub("", buf.getvalue())
    match = _SVG_START.search(text)
    return text[match.start() :] if match else text


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    return buf.getvalue()


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def _month_ticks(ax: object, months: Sequence[date]) -> None:
    labels = [month_label(m) for m in months]
    step = max(1, len(labels) // 12)
    ax.set_xticks(  # type: ignore[attr-defined]
        range(0, len(labels), step), labels[::step], rotation=45, ha="right", fontsize=8
    )


def _integer_axis(ax: object) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # type: ignore[attr-defined]


def _grouped_bars(
    months: Sequence[date], series: Sequence[tuple[str, Sequence[int], str]], ylabel: str
) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    n = len(series)
    width = 0.8 / n
    for i, (label, values, colour) in enumerate(series):
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(months))]
        ax.bar(xs, values, width=width, label=label, color=colour)
    _month_ticks(ax, months)
    ax.set_ylabel(ylabel)
    _integer_axis(ax)
    _style(ax)
    ax.legend(frameon=False, fontsize=8, ncols=n)
    return fig


def _horizontal(grouped: Grouped, colour: str, xlabel: str) -> Figure:
    labels = [label for label, _ in grouped.counts][::-1]
    values = [n for _, n in grouped.counts][::-1]
    fig = _figure(max(1.6, 0.35 * len(labels) + 0.9))
    ax = fig.add_subplot()
    bars = ax.barh(labels, values, color=colour)
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=8)
    _integer_axis_x(ax)
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _integer_axis_x(ax: object) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # type: ignore[attr-defined]


def _grouped_chart(
    key: str, title: str, grouped: Grouped, colour: str, what: str, min_group: int, unit: str
) -> Chart:
    rows = [(label, str(n)) for label, n in grouped.counts]
    merged = (
        f" Groups with fewer than {min_group} people are merged into “Other”."
        if grouped.merged
        else ""
    )
    caption = (
        ", ".join(f"{label}: {n}" for label, n in grouped.counts) + "." + merged
        if grouped.counts
        else ""
    )
    chart = Chart(key, title, caption, (what, unit), rows)
    if grouped.hidden:
        chart.empty_note = (
            f"Fewer than {min_group} people are counted here: too few to show without "
            "singling anyone out."
        )
    elif not grouped.counts:
        chart.empty_note = "Nothing recorded yet."
    else:
        fig = _horizontal(grouped, colour, unit)
        chart.svg = _svg(fig)
    return chart


def membership(data: ReportData) -> Chart:
    rows = [
        (month_label(m), str(j), str(la), str(le))
        for m, j, la, le in zip(data.months, data.joined, data.lapsed, data.left, strict=True)
    ]
    caption = (
        f"{sum(data.joined)} joined, {sum(data.lapsed)} lapsed and {sum(data.left)} left "
        f"between {long_date(data.period.start)} and {long_date(data.period.end)}; "
        f"{data.active_members} members now."
    )
    chart = Chart(
        "membership",
        "Membership over time",
        caption,
        ("Month", "Joined", "Lapsed", "Left"),
        rows,
    )
    if not (any(data.joined) or any(data.lapsed) or any(data.left)):
        chart.empty_note = "Nobody joined, lapsed or left in this period."
        return chart
    fig = _grouped_bars(
        data.months,
        [
            ("Joined", data.joined, GREEN),
            ("Lapsed", data.lapsed, ORANGE),
            ("Left", data.left, GREY),
        ],
        "People",
    )
    chart.svg = _svg(fig)
    chart.png = _png(fig)
    return chart


def meetings(data: ReportData) -> Chart:
    series: list[tuple[str, Sequence[int], str]] = [("Meetings held", data.meetings_held, BLUE)]
    headers: tuple[str, ...] = ("Month", "Meetings held")
    if data.attendance is not None:
        series.append(("Attendance", data.attendance, SKY))
        headers = (*headers, "Attendance")
    columns = [s[1] for s in series]
    rows = [(month_label(m), *(str(c[i]) for c in columns)) for i, m in enumerate(data.months)]
    caption = f"{sum(data.meetings_held)} meetings held in the period."
    if data.attendance is not None:
        caption += f" {sum(data.attendance)} attendances recorded."
    chart = Chart("meetings", "Meetings held", caption, headers, rows)
    if not any(data.meetings_held):
        chart.empty_note = "No meetings were held in this period."
        return chart
    chart.svg = _svg(_grouped_bars(data.months, series, "Count"))
    return chart


def turns(data: ReportData) -> Chart | None:
    if data.turns_per_member is None:
        return None
    values = data.turns_per_member
    spread = f"from {min(values)} to {max(values)}" if values else "none"
    caption = (
        f"Facilitation turns per member in the rotation, most first ({len(values)} members; "
        f"turns range {spread}). Members are not named."
    )
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    rows = [(str(k), str(counts[k])) for k in sorted(counts, reverse=True)]
    chart = Chart(
        "turns",
        "Sharing the facilitation: turns per member",
        caption,
        ("Turns", "Members"),
        rows,
    )
    if not any(values):
        chart.empty_note = "No facilitation turns were taken in this period."
        chart.caption = ""
        return chart
    fig = _figure(2.6)
    ax = fig.add_subplot()
    ax.bar(range(len(values)), values, color=PURPLE, width=0.8)
    ax.set_xticks([])
    ax.set_xlabel("Each bar is one member (unnamed)")
    ax.set_ylabel("Turns")
    _integer_axis(ax)
    _style(ax)
    chart.svg = _svg(fig)
    return chart


def learnings(data: ReportData) -> Chart:
    rows = [
        (month_label(m), str(r), str(s))
        for m, r, s in zip(data.months, data.learnings_recorded, data.learnings_shared, strict=True)
    ]
    caption = (
        f"{sum(data.learnings_recorded)} learnings recorded, of which "
        f"{sum(data.learnings_shared)} are shared with members or beyond."
    )
    chart = Chart(
        "learnings",
        "Learnings recorded and shared",
        caption,
        ("Month", "Recorded", "Shared"),
        rows,
    )
    if not any(data.learnings_recorded):
        chart.empty_note = "No learnings were recorded in this period."
        return chart
    chart.svg = _svg(
        _grouped_bars(
            data.months,
            [("Recorded", data.learnings_recorded, BLUE), ("Shared", data.learnings_shared, GREEN)],
            "Learnings",
        )
    )
    return chart


def themes(data: ReportData) -> Chart:
    return _grouped_chart(
        "themes",
        "Themes of the learnings shared for the digest",
        data.themes,
        GREEN,
        "Theme",
        data.min_group,
        "Learnings",
    )


def outcomes(data: ReportData) -> Chart:
    nonzero = [(data.kind_label(k), n) for k, n in data.outcome_counts.items() if n]
    rows = [(label, str(n)) for label, n in nonzero]
    total = sum(n for _, n in nonzero)
    caption = (
        f"{total} {'outcome' if total == 1 else 'outcomes'} recorded: "
        + ", ".join(f"{label} {n}" for label, n in nonzero)
        + "."
        if total
        else ""
    )
    chart = Chart("outcomes", "Outcomes by kind", caption, ("Kind", "Outcomes"), rows)
    if not total:
        chart.empty_note = "No outcomes were recorded in this period."
        return chart
    grouped = Grouped(sorted(nonzero, key=lambda kv: (-kv[1], kv[0])), 0, False)
    chart.svg = _svg(_horizontal(grouped, VERMILION, "Outcomes"))
    return chart


def extras(data: ReportData) -> list[Chart]:
    charts = []
    for title, counts in data.extras.items():
        rows = [(label, str(n)) for label, n in counts]
        caption = ", ".join(f"{label}: {n}" for label, n in counts) + "."
        key = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        chart = Chart(key, title, caption, ("What", "Count"), rows)
        if not any(n for _, n in counts):
            chart.empty_note = "None in this period."
        else:
            chart.svg = _svg(_horizontal(Grouped(list(counts), 0, False), SKY, "Count"))
        charts.append(chart)
    return charts


def draw_all(data: ReportData) -> list[Chart]:
    """Every chart of the report, in reading order. CPU-bound: run it off the event loop."""
    charts: list[Chart | None] = [
        membership(data),
        _grouped_chart(
            "localities",
            "Where members work",
            data.localities,
            BLUE,
            "Locality",
            data.min_group,
            "Members",
        ),
        _grouped_chart(
            "trainings",
            "Partnering training members have done",
            data.trainings,
            ORANGE,
            "Training",
            data.min_group,
            "Members",
        ),
        meetings(data),
        turns(data),
        learnings(data),
        themes(data),
        *extras(data),
        outcomes(data),
    ]
    return [c for c in charts if c is not None]
