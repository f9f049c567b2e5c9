"""The officer's work lists as CSV files, safe to open in a spreadsheet.

Each domain names its lists (``work_lists(ctx)``); the monthly run writes them to
``officer/worklists/`` with owner-only permissions. Text that a spreadsheet would run as
a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed
with an apostrophe, so an inbound SMS body like ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from analytics.files import write_private
from analytics.loading.context import ReportContext
from analytics.registry import DOMAINS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell value that no spreadsheet will evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text with every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def _cell(value) -> str:
    """One CSV cell: empty for missing, text neutralised, numbers and dates as written."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if value is pd.NaT:
        return ""
    return str(value)


def write_work_lists(ctx: ReportContext, folder: Path) -> list[Path]:
    """Write every domain's work lists for the period into ``folder`` (owner-only)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    for domain in DOMAINS:
        for name, frame in domain.work_lists(ctx).items():
            path = folder / f"{name}.csv"
            write_private(path, to_csv(frame))
            written.append(path)
    return written
