"""The officer's work lists as CSV files, safe to open in a spreadsheet.

Each domain declares its lists (``WorkList``); the monthly run writes them to
``officer/worklists/DOMAIN.LIST.csv`` and ``.xlsx`` with owner-only permissions, as
``presentation.worklist.to_csv`` and ``to_xlsx`` write them (formulas neutralised, text
stored as text). A list longer than ``SPREADSHEET_MAX_ROWS`` is its CSV alone.
"""

from __future__ import annotations

from pathlib import Path

from analytics.compute.memo import remember
from analytics.files import write_private
from analytics.loading.context import ReportContext
from analytics.presentation.worklist import shown_part, to_csv, to_xlsx
from analytics.registry import DOMAINS

# a spreadsheet is written at about 0.07 ms a row: a health system's destruction queue
# (777,476 records at 2,000,000 patients) took minutes, and Excel opens at most 1,048,575
# rows; such a list is worked from its CSV (every row, formula-safe) in a database
SPREADSHEET_MAX_ROWS = 100_000


def write_work_lists(ctx: ReportContext, folder: Path) -> list[Path]:
    """Write every domain's work lists for the period into ``folder`` (owner-only): the
    CSV files, returned, and a spreadsheet beside each of at most
    ``SPREADSHEET_MAX_ROWS`` rows."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    for domain in DOMAINS:
        for work_list in domain.lists_made(ctx):
            name, frame = domain.list_name(work_list), domain.list_frame(ctx, work_list)
            # for page.work_list in the notebooks: what a page shows, not the whole list
            remember(ctx, name, shown_part(frame))
            path = folder / f"{name}.csv"
            write_private(path, to_csv(frame))
            if len(frame) <= SPREADSHEET_MAX_ROWS:
                write_private(path.with_suffix(".xlsx"), to_xlsx(frame, work_list.title(ctx)))
            written.append(path)
    return written
