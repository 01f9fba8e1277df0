"""The digest as one self-contained HTML page (printable), everything typed escaped."""

from __future__ import annotations

import functools
import html
from datetime import date

from bot.services.learnings.render import words
from bot.services.learnings.render.base import (
    DigestStats,
    EntryLayout,
    Markup,
    MarkupRenderer,
    Theme,
)


def h(text: str) -> str:
    return html.escape(text, quote=True)


def _h_fast(text: str) -> str:
    """``h``, each of its five replacements made only when its character occurs (a
    ``str.replace`` that finds nothing still costs a pass; ``in`` is a memchr), in
    ``html.escape``'s order: ``&`` first."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "'" in text:
        text = text.replace("'", "&#x27;")
    return text


def _h_pieces(joined: str, pieces: list[str]) -> list[str]:
    """``_h_fast(joined).split("\x00")``: ``pieces`` (what was joined) themselves when
    nothing needed escaping."""
    escaped = _h_fast(joined)
    return pieces if escaped is joined else escaped.split("\x00")


@functools.lru_cache(maxsize=4096)
def _h_day(d: date) -> str:
    return h(words.day(d))


_CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.45 Georgia, 'Times New Roman', serif; color: #1b1b1b; margin: 2.2em auto;
       max-width: 46em; padding: 0 1.2em; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #2a6f6f; padding-bottom: .15em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 0 0 .2em; }
.meta { color: #555; font-size: .9em; margin: 0 0 .5em; }
.summary { border-collapse: collapse; margin: .6em 0; }
.summary th { text-align: left; padding-right: 1em; }
table.themes { border-collapse: collapse; margin: .5em 0 1em; }
table.themes td, table.themes th { border: 1px solid #bbb; padding: .2em .6em; }
table.themes td.n { text-align: right; }
.rule { border-left: 4px solid #2a6f6f; padding: .4em .8em; background: #f3f8f8; }
article { border: 1px solid #ddd; border-radius: 4px; padding: .8em 1em; margin: .8em 0; }
article h4 { font-size: .85em; text-transform: uppercase; letter-spacing: .04em; color: #2a6f6f;
             margin: .7em 0 .1em; }
article p.text { white-space: pre-wrap; margin: 0; }
.tags { font-size: .85em; color: #444; }
.flag { border-left: 4px solid #b35c00; background: #fff4e5; padding: .3em .6em; margin-top: .6em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  article { break-inside: avoid; page-break-inside: avoid; }
  .flag, .rule { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


_HTML_LAYOUT = EntryLayout(
    entry=(
        '<article><h3>{number}. {title}</h3><p class="meta">{byline}</p>'
        "{tags}{texts}{review}</article>\n"
    ),
    tags='<p class="tags">Tags: {tags}</p>',
    text='<h4>{heading}</h4><p class="text">{text}</p>',
    review='<p class="flag"><strong>Review before sharing:</strong> this {note}</p>',
    review_name=lambda name: f"<code>{h(name)}</code>",
    tagged_by_list=True,
)


class HtmlRenderer(MarkupRenderer):
    markup = Markup(lambda typed: list(map(h, typed)), _h_pieces, _h_fast, _h_day, _HTML_LAYOUT)

    def header(self, stats: DigestStats) -> str:
        title = f"{self.request.community}: learnings digest"
        rows = "".join(
            f"<tr><th>{h(label)}</th><td>{value}</td></tr>"
            for label, value in self.summary_lines(stats, h)
        )
        themes = "".join(
            f'<tr><td><a href="#theme-{n}">{h(t.label)}</a></td><td class="n">{t.count}</td></tr>'
            for n, t in enumerate(stats.themes, start=1)
        )
        theme_table = (
            f'<h2>Themes</h2><table class="themes"><tr><th>Theme</th><th>Entries</th></tr>'
            f"{themes}</table>"
            if themes
            else ""
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{h(title)}</title><style>{_CSS}</style></head><body>\n"
            f'<h1>{h(title)}</h1><table class="summary">{rows}</table>'
            f'<p class="rule">{h(words.CHATHAM)}</p>{theme_table}\n'
        )

    def theme_start(self, theme: Theme, index: int) -> str:
        count = words.entries(theme.count)
        return f'<section><h2 id="theme-{index}">{h(theme.label)} ({count})</h2>\n'

    def theme_end(self, theme: Theme) -> str:
        return "</section>\n"

    def footer(self, stats: DigestStats) -> str:
        text = words.review_sentence(stats.flagged)
        extra = f"<p>{h(words.LEFT_OUT.format(n=stats.skipped))}</p>" if stats.skipped else ""
        return f"<h2>Review</h2><p>{h(text)}</p>{extra}\n</body></html>\n"
