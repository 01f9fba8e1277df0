"""Learnings: confidential capture, browsing, the knowledge base, the coordinators' digest
and personal data.

- ``text``: what a member types, validated and sealed to its author and sharing level;
- ``store``: capture, a member's own learnings, browsing, themes;
- ``knowledge``: publishing learnings to the forum, and withdrawing the posts;
- the digest: ``request`` (what the coordinator asked for), ``flags`` (names in the
  text), ``order`` (where each entry goes), ``render`` (Markdown, CSV, HTML), ``stream``
  (reading, decrypting and writing in batches) and ``record`` (the export history);
- ``personal``: the learnings' part of /mydata.

Other capabilities use :func:`shareable_themes` (the facilitator's hand-over pack),
:func:`anonymity_order` (order entries so position reveals no author), :func:`open_tags`
and ``FILTERS_AAD`` (the impact report's theme counts), :func:`add_export_record` with
``ExportLine`` (the impact report's line in the export history) and the form pieces
``FieldSpec``, ``FormDraft``, ``FormProblem`` and :func:`field_problems` (the consults'
form).
"""

from bot.services.learnings.order import anonymity_order
from bot.services.learnings.personal import CONTRIBUTOR as MYDATA
from bot.services.learnings.record import ExportLine, add_export_record
from bot.services.learnings.request import FILTERS_AAD
from bot.services.learnings.store import shareable_themes
from bot.services.learnings.text import (
    DIGEST_LEVELS,
    SHARED_LEVELS,
    FieldSpec,
    FormDraft,
    FormProblem,
    field_problems,
    open_tags,
)

__all__ = [
    "DIGEST_LEVELS",
    "FILTERS_AAD",
    "MYDATA",
    "SHARED_LEVELS",
    "ExportLine",
    "FieldSpec",
    "FormDraft",
    "FormProblem",
    "add_export_record",
    "anonymity_order",
    "field_problems",
    "open_tags",
    "shareable_themes",
]
