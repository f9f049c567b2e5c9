"""The officer's work lists: an interactive table to work, and the same list as CSV.

A work list is shown whole (every row, up to ``INTERACTIVE_ROWS``) as a plain HTML table,
which a small script (no library, nothing fetched: it runs offline, in JupyterLab and in
the officer's saved page) turns into a table that sorts by any column, searches and pages.
Without the script (an untrusted notebook, a printed page) every row is still there. Text
is left-aligned and numbers right-aligned; a wide list scrolls sideways instead of being
cut off. The list also comes as a CSV download inside the page itself.

CSV text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return, after any leading spaces) is prefixed with an apostrophe,
so an inbound SMS body like ``=HYPERLINK(...)`` stays text; so is every line of a cell
after a line break (``STOP\r=cmd|...``: a reader that ends a row at a bare carriage
return, as spreadsheets do, still finds no formula). The CSV is RFC 4180: rows end in
CRLF, and every field holding a carriage return, line feed, quote or comma is quoted.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import zipfile
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from analytics.presentation.formatting import heading, plain, readable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# rows embedded in a page: beyond this a list is a file of the monthly run, not a page
# (a health system's lists of 20,000 rows made 12 MB pages that took longer to write and
# render than their figures took to compute; a clinic's lists are far below this)
INTERACTIVE_ROWS = 5_000


def shown_part(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """What a page shows of a work list: its first ``INTERACTIVE_ROWS`` rows, and how many
    it has (the run keeps only this for its notebooks: a whole list is its CSV file)."""
    return frame.head(INTERACTIVE_ROWS).reset_index(drop=True), len(frame)


PAGE_ROWS = 25  # rows per page of the interactive table


def neutralise(value):
    """A cell value that no spreadsheet will evaluate as a formula: text whose first
    character, or first after leading spaces, or first on any line after a line break,
    starts a formula gets an apostrophe there. A number written as text stays a number."""
    if not isinstance(value, str):
        return value
    parts = _LINE_BREAK.split(value)  # text, break, text, break, ...
    lead = "'" if value.startswith(("\r", "\n")) else ""  # a cell that opens with a break
    return lead + "".join(part if i % 2 else _neutral_line(part) for i, part in enumerate(parts))


def _neutral_line(line: str) -> str:
    stripped = line.lstrip(" \u00a0")
    if line.startswith(FORMULA_START) or stripped.startswith(FORMULA_START):
        if not _NUMBER.match(stripped):
            return "'" + line
    return line


def to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text with every text cell neutralised, dates in ISO 8601 (a date
    alone where the column holds no time of day), flags as Yes and No."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: CR or LF means quoted
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    columns = [_csv_column(frame[c]) for c in frame.columns]
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def _csv_column(series: pd.Series) -> list[str]:
    """One column's CSV cells (read as Python values once: a cell at a time from an Arrow
    column boxed each value, a third of a long list's time)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        fmt = "%Y-%m-%d" if _dates_only(series) else "%Y-%m-%d %H:%M:%S"
        return series.dt.strftime(fmt).fillna("").tolist()
    return [_csv_cell(v) for v in series.tolist()]


def _dates_only(series: pd.Series) -> bool:
    """Whether a column of instants holds only midnights: dates."""
    times = series.dropna()
    return bool((times == times.dt.normalize()).all())


def _missing(value) -> bool:
    """Whether a cell holds nothing: None, pandas' NA or NaT, or NaN."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _csv_cell(value) -> str:
    """One CSV cell: empty for missing, text neutralised, numbers as written."""
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return plain(value)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_xlsx(frame: pd.DataFrame, title: str) -> bytes:
    """The list as a spreadsheet: headings in words, bold and frozen with a filter; dates
    as dates; flags as Yes and No; every text cell stored as text (a body starting ``=``
    is never a formula, and stays text when edited: Excel's quote prefix).

    Written row by row (openpyxl's write-only workbook, through lxml: about 0.07 ms a row
    against 0.19 ms for a workbook held whole, the same file as read back)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "List")
    sheet.freeze_panes = "A2"
    for j, column in enumerate(frame.columns, start=1):
        longest = max([len(heading(column)), *(len(str(v)) for v in frame[column].head(200))])
        sheet.column_dimensions[get_column_letter(j)].width = min(60, longest + 2)
    if len(frame.columns):
        last = get_column_letter(len(frame.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, heading(c), None, bold) for c in frame.columns])
    columns = [_xlsx_column(sheet, frame[c]) for c in frame.columns]
    try:
        for row in zip(*columns, strict=True):
            sheet.append(row)
    finally:
        # the rows' writer ends its sheet now, not when collected: a sheet left open by
        # an interruption wrote a traceback at exit, into its file closed by then
        sheet.close()
    out = io.BytesIO()
    # openpyxl's own save leaves its zip archive open when interrupted (a SIGTERM during
    # the run): at exit the archive's finaliser then wrote a traceback to the scheduler's
    # log. Closed here whatever happens.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()
    return out.getvalue()


def _xlsx_column(sheet, series: pd.Series) -> list:
    """One column's spreadsheet cells: a date column's as dates (a date alone where it
    holds no time of day), the others as ``_xlsx_cell`` makes them."""
    if pd.api.types.is_datetime64_any_dtype(series):
        fmt = "yyyy-mm-dd" if _dates_only(series) else "yyyy-mm-dd hh:mm"
        return [_xlsx_cell(sheet, v, fmt) for v in series.tolist()]
    return [_xlsx_cell(sheet, v) for v in series.tolist()]


def _xlsx_cell(sheet, value, number_format: str | None = None, font: Font | None = None):
    """One spreadsheet cell: missing left empty, a flag as Yes or No, text as text (with
    the quote prefix where it would start a formula), a date as a date. A plain value
    where openpyxl stores it as it is (a number, text that starts no formula)."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        value = plain(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        number_format = number_format or "yyyy-mm-dd hh:mm"
    styled = number_format or font
    if isinstance(value, str):
        quoted = value.lstrip(" \u00a0").startswith(FORMULA_START)
        if not (quoted or styled):  # "=" starts a formula: quoted
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # not a formula, whatever it starts with
        cell.quotePrefix = quoted
    elif not styled:
        return value
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    return cell


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _shown(series: pd.Series) -> list[str]:
    """A column's cells as the officer reads them: dates without a midnight time."""
    if pd.api.types.is_datetime64_any_dtype(series):
        times = series.dropna()
        midnight = bool((times == times.dt.normalize()).all())
        fmt = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M"
        return ["—" if pd.isna(v) else v.strftime(fmt) for v in series]
    if _is_number(series):
        return ["—" if pd.isna(v) else f"{v:,}" for v in series]
    return ["—" if v is None or v is pd.NA or v != v else str(v) for v in series]


def _sort_keys(series: pd.Series) -> list[str] | None:
    """What a number column sorts by (its value), or None: text sorts as shown."""
    if not _is_number(series):
        return None
    return ["" if pd.isna(v) else repr(float(v)) for v in series]


def csv_link(frame: pd.DataFrame, name: str) -> str:
    """A link that downloads the list as CSV, the file carried in the link itself."""
    data = base64.b64encode(to_csv(frame).encode("utf-8")).decode("ascii")
    return (
        f'<a download="{html.escape(name)}.csv" style="text-decoration:underline" '
        f'href="data:text/csv;charset=utf-8;base64,'
        f'{data}">Download the list as CSV ({len(frame):,} rows)</a>'
    )


def xlsx_link(frame: pd.DataFrame, name: str, caption: str) -> str:
    """A link that downloads the list as a spreadsheet (.xlsx), carried in the link."""
    data = base64.b64encode(to_xlsx(frame, caption)).decode("ascii")
    return (
        f'<a download="{html.escape(name)}.xlsx" style="text-decoration:underline" '
        f'href="data:{XLSX_TYPE};base64,{data}">or as a spreadsheet (.xlsx)</a>'
    )


def officer_view(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The list as the officer reads it on the page: a column with one value in every row
    (of two rows or more) is said once above the table instead of repeated; headings,
    codes and flags in words. The downloads keep every column."""
    same = [c for c in frame.columns if len(frame) > 1 and frame[c].nunique(dropna=False) == 1]
    notes = [f"{heading(c)}: {_said(frame[c].iloc[0])}" for c in same]
    return readable(frame.drop(columns=same)), notes


def _said(value) -> str:
    """A constant column's value, as the table would show it."""
    if _missing(value):
        return "—"
    return plain(value) if isinstance(value, bool | str) else str(value)


def worklist_html(frame: pd.DataFrame, caption: str, name: str) -> str:
    """The whole list as a table an officer can work, with its CSV and spreadsheet
    downloads (every column, as computed) and, above it, what every row has in common."""
    downloads = f"{csv_link(frame, name)} {xlsx_link(frame, name, caption)}"
    frame, notes = officer_view(frame)
    common = (
        f'<p class="worklist-common">Every row: {html.escape("; ".join(notes))}.</p>'
        if notes
        else ""
    )
    columns = list(frame.columns)
    numeric = [_is_number(frame[c]) for c in columns]
    cells = [_shown(frame[c]) for c in columns]
    keys = [_sort_keys(frame[c]) for c in columns]
    align = ["right" if n else "left" for n in numeric]
    head = "".join(
        f'<th scope="col" aria-sort="none" style="text-align:{a}">'
        f'<button type="button" class="worklist-sort" style="all:unset;cursor:pointer;'
        f'font-weight:600">{html.escape(str(c))}</button></th>'
        for c, a in zip(columns, align, strict=True)
    )
    rows = []
    for i in range(len(frame)):
        tds = []
        for j in range(len(columns)):
            key = keys[j]
            sort = f' data-sort="{key[i]}"' if key is not None else ""
            tds.append(f'<td style="text-align:{align[j]}"{sort}>{html.escape(cells[j][i])}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (
        STYLE + f'<div class="worklist" data-page-rows="{PAGE_ROWS}">'
        f'<p class="worklist-summary">{html.escape(caption)}: {len(frame):,} '
        f"row{'s' if len(frame) != 1 else ''}. {downloads}</p>{common}"
        f'<div class="worklist-controls" hidden style="margin:.3rem 0">'
        '<label>Search the list <input type="search" class="worklist-search"></label> '
        '<button type="button" class="worklist-prev">Previous page</button> '
        '<button type="button" class="worklist-next">Next page</button> '
        '<span class="worklist-status" role="status" aria-live="polite"></span></div>'
        '<div class="worklist-scroll" style="overflow-x:auto;max-width:100%">'
        f'<table class="dataframe worklist-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></div>"
        f"<script>{SCRIPT}</script>"
    )


# the sorted column's arrow; a printed page shows every row, without the controls
STYLE = (
    "<style>.worklist th[aria-sort=ascending] .worklist-sort::after{content:' \\25B2'}"
    ".worklist th[aria-sort=descending] .worklist-sort::after{content:' \\25BC'}"
    "@media print{.worklist tbody tr[hidden]{display:table-row!important}"
    ".worklist-controls{display:none!important}}</style>"
)

# Sort (click a column; again to reverse), search (every cell's text), page. Defined once
# per page, run by every list's output: each list is made interactive once.
SCRIPT = """
(function () {
  if (!window.analyticsWorklists) {
    window.analyticsWorklists = function () {
      document.querySelectorAll('.worklist:not([data-ready])').forEach(function (box) {
        box.setAttribute('data-ready', '1');
        var size = parseInt(box.getAttribute('data-page-rows'), 10) || 25;
        var body = box.querySelector('tbody');
        var all = Array.prototype.slice.call(body.rows);
        var search = box.querySelector('.worklist-search');
        var status = box.querySelector('.worklist-status');
        var prev = box.querySelector('.worklist-prev');
        var next = box.querySelector('.worklist-next');
        var page = 0, matching = all;
        function show() {
          var pages = Math.max(1, Math.ceil(matching.length / size));
          page = Math.min(page, pages - 1);
          all.forEach(function (r) { r.hidden = true; });
          matching.slice(page * size, (page + 1) * size).forEach(function (r) {
            r.hidden = false;
          });
          var first = matching.length ? page * size + 1 : 0;
          var last = Math.min((page + 1) * size, matching.length);
          status.textContent = 'rows ' + first + '-' + last + ' of ' + matching.length +
            (matching.length === all.length ? '' : ' matching (' + all.length + ' in all)') +
            ', page ' + (page + 1) + ' of ' + pages;
          prev.disabled = page === 0;
          next.disabled = page >= pages - 1;
        }
        function filter() {
          var q = search.value.trim().toLowerCase();
          matching = all.filter(function (r) {
            return !q || r.textContent.toLowerCase().indexOf(q) >= 0;
          });
        }
        search.addEventListener('input', function () { filter(); page = 0; show(); });
        prev.addEventListener('click', function () { page -= 1; show(); });
        next.addEventListener('click', function () { page += 1; show(); });
        box.querySelectorAll('th').forEach(function (th, col) {
          th.querySelector('button').addEventListener('click', function () {
            var up = th.getAttribute('aria-sort') !== 'ascending';
            box.querySelectorAll('th').forEach(function (o) {
              o.setAttribute('aria-sort', 'none');
            });
            th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
            function key(r) {
              var c = r.cells[col];
              return c.hasAttribute('data-sort') ? c.getAttribute('data-sort') : c.textContent;
            }
            var numeric = all.length && all[0].cells[col].hasAttribute('data-sort');
            all.sort(function (a, b) {
              var x = key(a), y = key(b), d;
              if (numeric) {
                d = (x === '' ? -Infinity : parseFloat(x)) - (y === '' ? -Infinity : parseFloat(y));
              } else {
                d = x.localeCompare(y, undefined, {numeric: true});
              }
              return up ? d : -d;
            });
            all.forEach(function (r) { body.appendChild(r); });
            filter();
            show();
          });
        });
        box.querySelector('.worklist-controls').hidden = false;
        show();
      });
    };
  }
  window.analyticsWorklists();
})();
"""
