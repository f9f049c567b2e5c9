"""What a report page shows: escaped tables, notes, officer lists, recorded figures."""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
from IPython.display import HTML, display

from analytics.errors import AnalyticsError
from analytics.figures import MetricRow
from analytics.loading.context import ReportContext, month_figure
from analytics.presentation.worklist import shown_part, worklist_html

# inline styles: the message must read the same in JupyterLab and in any saved page
ERROR_STYLE = (
    "border-left:6px solid #c53030;background:#fff5f5;color:#1a202c;padding:.6rem 1rem;"
    "margin:.4rem 0;font-family:system-ui,sans-serif"
)


def friendly_errors() -> None:
    """In a notebook, show the suite's own errors (a period outside the export, an unknown
    patient: a user's mistake) as one short message with what to change, not a traceback.
    A bug, any other exception, keeps its full traceback. Execution still stops there, so
    no cell below presents figures."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((AnalyticsError,), _show_error)


def error_html(error: BaseException) -> str:
    """The message an officer reads when a notebook cannot go on."""
    return (
        f'<div role="alert" class="analytics-error" style="{ERROR_STYLE}">'
        f"<p><b>This report cannot be made:</b> {html.escape(str(error))}</p>"
        "<p>Change the parameters cell (or the settings named above) and run all cells "
        "again.</p></div>"
    )


def _show_error(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython's handler for the suite's errors: the message, then the error itself with a
    one-line traceback. IPython 9 only shows what a handler shows, so the error is
    published here (``_showtraceback``, as IPython's own ``showtraceback`` does): Papermill
    and JupyterLab's "Run All" stop on it, and the run names it."""
    display(HTML(error_html(value)))
    stb = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def table(frame: pd.DataFrame, caption: str) -> HTML:
    """A DataFrame as an HTML table with its caption (every table says what it holds),
    every cell escaped (bodies may hold markup)."""
    body = frame.to_html(index=False, escape=True, border=0, na_rep="—", justify="left")
    end = body.index(">", body.index("<table")) + 1  # after the opening tag
    return HTML(f"{body[:end]}<caption>{html.escape(caption)}</caption>{body[end:]}")


def note(text: str) -> HTML:
    """A plain sentence for the reader, escaped."""
    return HTML(f"<p>{html.escape(text)}</p>")


METRICS_MIME = "application/vnd.analytics.metrics+json"


def record_metrics(rows: list[MetricRow]) -> None:
    """Record the metric rows a notebook shows, in its executed copy (for audit and tests).

    The cell that calls this is tagged ``record`` and left out of every HTML page.
    """
    display({METRICS_MIME: rows, "text/plain": f"{len(rows)} metric rows recorded"}, raw=True)


def recorded_metrics(notebook) -> list[MetricRow]:
    """The metric rows recorded in an executed notebook."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            found.extend(output.get("data", {}).get(METRICS_MIME, []))
    return found


def work_list(
    ctx: ReportContext,
    make: Callable[[ReportContext], pd.DataFrame],
    caption: str,
    name: str,
) -> HTML:
    """An officer's list to work: every row in a table that sorts, searches and pages,
    with the list as a CSV download (``worklist.worklist_html``).

    Nothing at all for any audience but the officer: the list is not even computed (a
    second safeguard behind the ``officer`` cell tag, which keeps these cells out of the
    leadership page). A list longer than ``INTERACTIVE_ROWS`` (a health system's
    destruction queue can hold hundreds of thousands of records) shows that many, and
    says where the whole list is.
    """
    if not ctx.for_officer:
        return HTML("")
    # the run's, if it ran
    frame, rows = month_figure(ctx, f"work list {name}", lambda: shown_part(make(ctx)))
    if not rows:
        return note(f"{caption}: none.")
    if rows == len(frame):
        return HTML(worklist_html(frame, caption, name))
    longer = note(
        f"{caption}: {rows:,} rows, the first {len(frame):,} shown here and in "
        f"the download; the whole list is officer/worklists/{name}.csv of the monthly run."
    )
    return HTML(longer.data + worklist_html(frame, caption, name))
