"""What a report page shows: escaped tables, notes, officer lists, recorded figures."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from analytics import __version__
from analytics.compute.declare import Domain, Format, Summary
from analytics.compute.memo import month_figure
from analytics.errors import AnalyticsError
from analytics.figures import MetricRow, segment_table
from analytics.loading.context import ReportContext
from analytics.presentation.formatting import local_time_text, plain, rate_text, readable
from analytics.presentation.worklist import shown_part, worklist_html
from analytics.registry import open_report

# inline styles: the message must read the same in JupyterLab and in any saved page
ERROR_STYLE = (
    "border-left:6px solid #c53030;background:#fff5f5;color:#1a202c;padding:.6rem 1rem;"
    "margin:.4rem 0;font-family:system-ui,sans-serif"
)


def setup(
    domain: Domain,
    source: str | None,
    period: str | None,
    policy: str | None,
    audience: str = "officer",
) -> tuple[ReportContext, list[MetricRow]]:
    """What a domain's notebook opens with, from its parameters: the suite's errors shown
    as messages (``friendly_errors``), the report opened and checked (``open_report``),
    the month's metric rows (the monthly run's own when it ran: a notebook of the run
    shows the figures ``metrics.json`` holds, never a second computation of them), and
    the banner stating the period, the domain's rule, the export and the policy."""
    friendly_errors()
    ctx = open_report(source, period, policy, audience)
    rows = domain.metrics(ctx)
    display(HTML(banner_html(ctx, domain.title, ctx.policy.text(domain.rule))))
    return ctx, rows


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
    every cell escaped (bodies may hold markup); headings, codes and flags in words
    (``formatting.readable``)."""
    frame = readable(frame)
    for column in frame.columns:  # None and <NA> read "—" too, as NaN does
        values = frame[column]
        if values.dtype.kind not in "fmM" and values.isna().any():
            shown = [float("nan") if pd.isna(v) else v for v in values.astype(object)]
            frame[column] = pd.Series(shown, index=values.index, dtype=object)
    body = frame.to_html(index=False, escape=True, border=0, na_rep="—", justify="left")
    end = body.index(">", body.index("<table")) + 1  # after the opening tag
    return HTML(f"{body[:end]}<caption>{html.escape(caption)}</caption>{body[end:]}")


def explain(ctx: ReportContext, template: str) -> Markdown:
    """Words for the reader (Markdown) whose policy values come from the report's policy
    (``Policy.text``: ``{requests.acknowledgment.days}``), so that a notebook never states
    a deadline its policy file does not hold."""
    return Markdown(ctx.policy.text(template, period=ctx.period, as_of=ctx.period.as_of).strip())


def written(paths: list[Path], what: str) -> HTML:
    """Links to files a notebook wrote, relative to the notebook's folder when they are in
    it (JupyterLab opens them in a tab), with where they are."""
    here = Path.cwd()
    links = []
    for path in paths:
        try:
            href = path.resolve().relative_to(here.resolve()).as_posix()
        except ValueError:
            href = path.resolve().as_uri()
        label = f"{path.suffix[1:].upper()}: {path.name}"
        links.append(f'<a href="{html.escape(href)}" target="_blank">{html.escape(label)}</a>')
    folder = html.escape(str(paths[0].parent)) if paths else ""
    return HTML(f"<p><b>{html.escape(what)}</b> {' · '.join(links)} (in {folder})</p>")


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


def work_list(ctx: ReportContext, domain: Domain, name: str) -> HTML:
    """One of ``domain``'s officer's lists to work, under its declared caption: every row
    in a table that sorts, searches and pages, with the list as a CSV download
    (``worklist.worklist_html``).

    Nothing at all for any audience but the officer: the list is not even computed (a
    second safeguard behind the ``officer`` cell tag, which keeps these cells out of the
    leadership page). A list whose log the export lacks says so. A list longer than
    ``INTERACTIVE_ROWS`` (a health system's destruction queue can hold hundreds of
    thousands of records) shows that many, and says where the whole list is.
    """
    if not ctx.for_officer:
        return HTML("")
    declared = domain.work_list(name)
    if ctx.missing_logs(declared.logs):
        return note(ctx.no_log_text(declared.logs))
    caption = declared.title(ctx)
    qualified = domain.list_name(declared)
    # the run's, if it ran
    frame, rows = month_figure(ctx, qualified, lambda: shown_part(domain.list_frame(ctx, declared)))
    if not rows:
        return note(f"{caption}: none.")
    if rows == len(frame):
        return HTML(worklist_html(frame, caption, qualified))
    longer = note(
        f"{caption}: {rows:,} rows, the first {len(frame):,} shown here and in "
        f"the download; the whole list is officer/worklists/{qualified}.csv of the monthly run."
    )
    return HTML(longer.data + worklist_html(frame, caption, qualified))


def summary_frame(rows: list[MetricRow], summary: Summary) -> pd.DataFrame:
    """A month's metric rows as a declared summary (``Summary``), each value in its
    metric's format."""
    if summary.segments_across:
        return _across(rows, summary)
    if summary.pooled:
        rows = [r for r in rows if r["segment"] == "all"]
    table = segment_table(rows, summary.columns, summary.segment_label)
    if summary.hide_zero is not None:
        shown = table[summary.columns[summary.hide_zero]] != 0
        table = table[shown | (table[summary.segment_label] == "all")]
    for metric, label in summary.columns.items():
        table[label] = _formatted(table[label], summary.format_of(metric))
    if summary.pooled:
        table = table.drop(columns=summary.segment_label)
    return table.reset_index(drop=True)


def _formatted(values: pd.Series, format: Format) -> pd.Series:
    """A column of one metric in its format (a count stays a number, right-aligned)."""
    if format == "count":
        return values.astype("Int64")
    if format == "one_decimal":
        return values.astype(float).round(1)
    if format == "as_is":
        return values
    return pd.Series([_text(v, format) for v in values], index=values.index, dtype=object)


def _text(value, format: Format) -> str | None:
    """One value as text in its format; None when missing (an empty population)."""
    if value is None or pd.isna(value):
        return None
    if format == "rate":
        return rate_text(value)  # the overview's rounding: 82.6 % on every page
    if format == "one_decimal":
        return f"{value:.1f}"
    return f"{int(value):,}"


def _across(rows: list[MetricRow], summary: Summary) -> pd.DataFrame:
    """One line per metric, one column per segment ('all' last); "n/a" where the
    metric's rule does not apply to the segment (no row for it)."""
    frame = pd.DataFrame([r for r in rows if r["metric"] in summary.columns])
    table = frame.pivot(index="metric", columns="segment", values="value")
    segments = sorted(table.columns, key=lambda s: (s == "all", s))
    table = table.reindex(index=list(summary.columns), columns=segments)
    measured = {(r["metric"], r["segment"]) for r in rows}
    out = pd.DataFrame(
        {
            s: [
                _text(table.at[m, s], summary.format_of(m)) if (m, s) in measured else "n/a"
                for m in table.index
            ]
            for s in segments
        }
    )
    out.insert(0, summary.segment_label, [summary.columns[m] for m in table.index])
    return out


def summary(ctx: ReportContext, rows: list[MetricRow], summary: Summary) -> HTML:
    """A declared summary of the month's metric rows as a captioned table."""
    caption = summary.caption.format(
        period=ctx.period, as_of=ctx.period.as_of, year=ctx.period.year
    )
    return table(summary_frame(rows, summary), caption)


def incomplete_html(ctx: ReportContext) -> str:
    """A warning that the month is incomplete, or nothing."""
    text = ctx.incomplete_text()
    if not text:
        return ""
    return f'<p class="incomplete" role="alert"><b>Incomplete month:</b> {html.escape(text)}</p>'


def figures_origin(ctx: ReportContext) -> str:
    """Where a page's figures come from: the monthly run's (``loading.handoff``: the ones
    metrics.json holds, looked up) or computed for this page from the export."""
    if ctx.export.snapshot is not None:
        return "the monthly run's, as in its metrics.json (computed once, looked up here)"
    return "computed for this page from the export"


def banner_html(ctx: ReportContext, title: str, rule: str) -> str:
    """The header every report opens with: what, for which period, by which rule."""
    e = html.escape
    return (
        f'<div class="report-banner" aria-label="{e(title)}">'
        f"<p><b>Period:</b> {e(str(ctx.period))} (local dates in {e(ctx.timezone)}; "
        f"as of {e(ctx.period.as_of.isoformat())})</p>"
        + incomplete_html(ctx)
        + f"<p><b>Rule:</b> {e(rule)}</p>"
        f"<p><b>Source:</b> {e(str(ctx.export.source))} ({e(plain(ctx.export.form))}) · "
        f"<b>Policy:</b> {e(ctx.policy.path)} (sha256 {e(ctx.policy.sha256[:12])}…)</p>"
        f"<p><b>Figures:</b> {e(figures_origin(ctx))}</p>"
        f"<p><b>Made:</b> {e(local_time_text(ctx.generated_at, ctx.timezone))} by "
        f"analytics {e(__version__)}</p>"
        "</div>"
    )
