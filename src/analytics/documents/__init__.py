"""Documents made on request: a patient's accounting of disclosures, the HHS breach log.

Each kind is one module here: what it lists (computed in SQL beside it, over its domain's
derived tables), its template (``templates/``), and one builder (``make``) that the
command and the notebooks call alike and that returns a ``Document``: the page, where it
goes by default, and what to say about it. Both follow one rule for what they cannot read
(``under_review``): quarantined rows that may belong to the document refuse it, unless
the officer accepts a document that says some records are under review. ``write`` writes
it owner-only, with its PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jinja2
import pandas as pd

from analytics.compute.queries import Queries
from analytics.errors import ExportError, OutputError
from analytics.files import check_out, write_private
from analytics.loading.context import ReportContext
from analytics.run.pdf import print_pdf

QUERIES = Queries(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class Document:
    """A document made for sending: its HTML, where it goes unless told, and what the
    person who made it should know (``notes`` on stdout, ``warnings`` on stderr)."""

    page: str
    default_out: Path  # under the reports folder
    summary: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def template(name: str) -> jinja2.Template:
    """A document's template: every value escaped, every name required."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(name)


@dataclass(frozen=True)
class Rows:
    """Which quarantined rows a document reads: its table, the id and date columns."""

    table: str
    id_column: str
    date_column: str
    what: str  # "disclosure record", "incident record"


def under_review(
    ctx: ReportContext, rows: Rows, first: date, last: date, patient: str | None = None
) -> pd.DataFrame:
    """The quarantined rows of ``rows.table`` that the document from ``first`` to ``last``
    (of ``patient``, when given) may leave out: row, its id (named as the table names
    it), date as read, reason."""
    found = QUERIES.run(
        ctx,
        "under_review",
        {
            "table": rows.table,
            "id_column": rows.id_column,
            "date_column": rows.date_column,
            "first": first,
            "last": last,
            "patient": patient,
        },
        months_set=True,
    )
    return found.rename(columns={"record_id": rows.id_column})


def refuse_incomplete(
    review: pd.DataFrame, rows: Rows, whose: str, allow: bool, error: Callable[[str], Exception]
) -> None:
    """Refuse a document that would leave quarantined records out without saying so,
    listing the rows to correct; ``allow`` accepts one that says some are under review."""
    if review.empty or allow:
        return
    n = len(review)
    listed = "; ".join(
        f"row {r['row']} {r[rows.id_column] or '(unreadable line)'} "
        f"dated {r['date as read'] or '?'}: {r['reason']}"
        for r in review.to_dict("records")
    )
    raise error(
        f"{n} {rows.what}{'s' if n != 1 else ''} {whose} {'are' if n != 1 else 'is'} "
        f"quarantined ({listed}). Correct them in the system that writes the export, or "
        "allow an incomplete document (it then says that some records are under review)"
    )


class IncompleteDocument(ExportError):
    """Records a document would list were quarantined: it would leave them out."""


def write_into(document: Document, where: str | Path) -> list[Path]:
    """Write a document into a folder (named as the command names it: the patient and the
    date) or to the file ``where`` names (ending ``.html``); with its PDF."""
    where = Path(where).expanduser()
    out = where if where.suffix.lower() in (".html", ".htm") else where / document.default_out.name
    return write(document, out)


def write(document: Document, out: Path) -> list[Path]:
    """Write a document owner-only, and beside it its PDF (when chromium is there)."""
    if out.is_dir():
        raise OutputError(
            f"--out {out} is a folder: name the file to write in it (e.g. {out / 'letter.html'})"
            "; nothing was written"
        )
    check_out(out.parent, out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(out, document.page)
    except OSError as e:
        raise OutputError(OutputError.describe(e).replace("the reports", "the document")) from None
    written = [out]
    pdf = out.with_suffix(".pdf")
    if print_pdf(out, pdf, 0o600):  # owner-only, as the HTML
        written.append(pdf)
    return written
