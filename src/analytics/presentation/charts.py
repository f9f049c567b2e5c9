"""Plotly charts that render in JupyterLab and in offline HTML reports alike.

Papermill stores Plotly's default output as ``application/vnd.plotly.v1+json``, which
nbconvert cannot render: the chart silently vanishes from the HTML. So each figure is
shown as a bundle that carries both that JSON (for JupyterLab, whose Plotly extension
renders it) and an HTML fragment without plotly.js (for the report, whose pages load the
month's one copy, ``PLOTLY_FILE``, by a relative path). A notebook never holds plotly.js
itself: one saved in JupyterLab keeps its figures as data.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from IPython.display import display
from plotly.offline import get_plotlyjs

from analytics.contract import QUARANTINE_REASONS
from analytics.figures import Trend
from analytics.files import write_private
from analytics.policy import Target
from analytics.presentation.formatting import plain, rate_text, target_text

# the month's one copy of plotly.js, beside its pages (officer pages load it from ../)
PLOTLY_FILE = "plotly.min.js"


def write_plotly_js(folder: Path) -> Path:
    """Write plotly.js into a month's folder, for every page of it that has charts."""
    path = folder / PLOTLY_FILE
    write_private(path, get_plotlyjs(), 0o644)  # leadership's, whatever the umask
    return path


def _style(height: int) -> dict:
    """The look every chart shares: white template, the given height, room for a title,
    the legend across the top (on a phone a legend beside the plot took half its width)."""
    return {
        "template": "plotly_white",
        "height": height,
        "margin": {"t": 60, "b": 40, "l": 60, "r": 20},
        # above the plot, under the page's title: below it, the rotated months of a phone
        # ran into it
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "xaxis": {"automargin": True},
        "yaxis": {"automargin": True},
    }


# How every page draws a chart's caption and the chart in dark mode (Plotly paints its
# own white background and dark text inline: overridden here, not left a white slab).
# Captions and their hidden text alternative; contrast at least 4.5:1 in both modes.
CHART_CSS = """
.chart-title { font-weight: 600; margin: .8rem 0 0; }
.chart-caption { font-size: .85rem; color: #2d3748; margin: .2rem 0 .8rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
@media (prefers-color-scheme: dark) {
  .chart-caption { color: #cbd5e0; }
  .js-plotly-plot .main-svg { background: transparent !important; }
  .js-plotly-plot .bg { fill: #1a202c !important; }
  .js-plotly-plot text { fill: #e2e8f0 !important; }
  .js-plotly-plot .gridlayer path,
  .js-plotly-plot .zerolinelayer path { stroke: #4a5568 !important; }
  .js-plotly-plot .legend .bg { fill: transparent !important; }
}
@media print { .chart-figure { break-inside: avoid; } }
"""

# a chart's script runs once the page is parsed: plotly.js loads deferred, so the page's
# text is painted before the 4.7 MB of plotly.js is read
_DEFERRED = 'document.addEventListener("DOMContentLoaded", function () {'


def _deferred(chart: str) -> str:
    """Plotly's HTML fragment with each of its inline scripts run after the deferred
    plotly.js (``<script>`` or ``<script type="text/javascript">``, as versions write it)."""
    return _SCRIPT.sub(lambda m: f"{m[1]}{_DEFERRED}{m[2]}}});</script>", chart)


_SCRIPT = re.compile(r'(<script(?: type="text/javascript")?>)(.*?)</script>', re.S)


def figure_html(fig: go.Figure) -> str:
    """The figure as an HTML fragment that relies on the page's copy of plotly.js, with
    its title as page text above it (Plotly's own title does not wrap: on a phone it was
    cut off at the screen's edge) and its text alternative as a caption (what a screen
    reader, and a reader without the chart, gets)."""
    title = fig.layout.title.text or ""
    drawn = go.Figure(fig)  # a copy: the figure shown in JupyterLab keeps its title
    if title:
        drawn.update_layout(title_text="", margin_t=36)
    chart = _deferred(
        drawn.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            config={"displaylogo": False, "responsive": True},
        )
    )
    heading = f'<p class="chart-title">{html.escape(title)}</p>' if title else ""
    meta = fig.layout.meta
    finding = meta.get("finding", "") if isinstance(meta, dict) else ""
    alternative = html.escape(text_alternative(fig))
    caption = (
        f'{html.escape(finding)}<span class="chart-alt visually-hidden">{alternative}</span>'
        if finding
        else f'<span class="chart-alt">{alternative}</span>'
    )
    return (
        f'<figure class="chart-figure" style="margin:0">{heading}{chart}'
        f'<figcaption class="chart-caption">{caption}</figcaption></figure>'
    )


def text_alternative(fig: go.Figure) -> str:
    """The chart in one or two sentences: its title, and for each series shown its span
    and latest value."""
    title = fig.layout.title.text or "Chart"
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("text_alternative"):  # a chart's own words
        return meta["text_alternative"]
    parts = []
    for trace in fig.data:
        if getattr(trace, "visible", True) == "legendonly":
            continue
        xs, ys = _values(getattr(trace, "x", None)), _values(getattr(trace, "y", None))
        points = [(x, y) for x, y in zip(xs, ys, strict=False) if y is not None]
        if not points:
            continue
        name = trace.name or "values"
        (first_x, _), (last_x, last_y) = points[0], points[-1]
        axis = fig.layout["yaxis" + (getattr(trace, "yaxis", None) or "y")[1:]]
        last = _short(last_y, percent="%" in (axis.tickformat or ""))
        parts.append(f"{name}: {len(points)} points from {first_x} to {last_x}, last {last}")
    if not parts:
        return f"{title}: no values to draw."
    shown = "; ".join(parts[:6]) + ("; and more series" if len(parts) > 6 else "")
    return f"{title}. {shown}."


def _values(data) -> list:
    """A trace's x or y as a list (Plotly keeps arrays as tuples or numpy arrays)."""
    return [] if data is None else list(data)


def _short(value, percent: bool = False) -> str:
    """A value in a sentence: a whole number with separators, a percentage on a percent
    axis, else three significant digits."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if percent:
        return f"{v * 100:.1f} %"
    return f"{int(v):,}" if v.is_integer() else f"{v:.3g}"


def show(fig: go.Figure) -> None:
    """Display a figure for both JupyterLab (Plotly JSON) and the HTML report."""
    display(
        {
            "application/vnd.plotly.v1+json": json.loads(fig.to_json()),
            "text/html": figure_html(fig),
        },
        raw=True,
    )


def warm_up() -> None:
    """Draw one small chart, unseen: Plotly loads its white template and the classes and
    validators of a figure's parts on first use (about 0.4 s), which a warm kernel then
    pays while it starts, not in its first notebook's first chart."""
    frame = pd.DataFrame(
        {"period": ["2026-09", "2026-10"], "segment": ["all", "all"], "share": [0.5, 1.0]}
    )
    fig = rate_trend(frame.assign(n=2), "share", "n", "warm-up", "share")
    fig.add_trace(go.Bar(x=frame["period"], y=[1, 2], name="bars"))
    fig.add_hline(y=0.5, line_dash="dash", annotation_text="target")
    fig.to_json()
    figure_html(fig)


def quarantine_by_reason(counts: list[dict], title: str) -> go.Figure:
    """Stacked bars: quarantined rows per table, one colour per contract reason."""
    tables = sorted({c["table"] for c in counts})
    reasons = [r for r in QUARANTINE_REASONS if any(c["reason"] == r for c in counts)]
    fig = go.Figure(
        [
            go.Bar(
                name=plain(reason),
                x=[plain(t) for t in tables],
                y=[
                    sum(c["rows"] for c in counts if c["table"] == t and c["reason"] == reason)
                    for t in tables
                ],
            )
            for reason in reasons
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=title,
        xaxis_title="table",
        yaxis_title="rows quarantined (count)",
        legend_title="reason",
        **_style(380),
    )
    return fig


def rows_per_month(frame, title: str) -> go.Figure:
    """Lines: rows used per month for each dated table (gaps reveal incomplete exports)."""
    fig = go.Figure(
        [
            go.Scatter(
                name=plain(table),
                x=part["period"],
                y=part["rows"],
                mode="lines+markers",
            )
            for table, part in frame.groupby("table", sort=True)
        ]
    )
    fig.update_layout(
        title=title,
        xaxis_title="month (clinic's local dates)",
        yaxis_title="rows (count, log scale)",
        yaxis_type="log",
        legend_title="table",
        **_style(380),
    )
    fig.update_xaxes(type="category")
    return fig


def rate_trend(
    frame,
    rate: str,
    population: str,
    title: str,
    y_label: str,
    legend: str = "",
    all_label: str = "all types",
    target: Target | None = None,
) -> go.Figure:
    """Lines: a rate per segment and month; 'all' drawn bold, empty months left as gaps;
    the target as a dashed line."""
    fig = go.Figure()
    for segment, part in sorted(frame.groupby("segment"), key=lambda kv: kv[0] != "all"):
        fig.add_trace(
            go.Scatter(
                name=all_label if segment == "all" else plain(segment),
                x=part["period"],
                y=part[rate],
                customdata=part[population],
                mode="lines+markers",
                line={"width": 4 if segment == "all" else 1.5},
                visible=True if segment == "all" else "legendonly",
                hovertemplate="%{x}: %{y:.0%} of %{customdata}<extra>%{fullData.name}</extra>",
                connectgaps=False,
            )
        )
    _share_axes(fig, title, y_label, legend, 360)
    _target_line(fig, target)
    pooled = frame[frame["segment"] == "all"]
    fig.update_layout(meta={"finding": _rate_finding(pooled, rate, all_label, target)})
    return fig


def _share_axes(fig: go.Figure, title: str, y_label: str, legend: str, height: int) -> None:
    """A chart of shares by month: months as categories, 0 to 100 % on one axis."""
    fig.update_layout(
        title=title,
        xaxis_title="month (clinic's local dates)",
        yaxis_title=y_label,
        yaxis_tickformat=".0%",
        yaxis_range=[0, 1.05],
        legend_title=legend,
        **_style(height),
    )
    fig.update_xaxes(type="category")


def _target_line(fig: go.Figure, target: Target | None) -> None:
    """The target as a dashed line with its words, where it is more than the axis."""
    if target is None:
        return
    fig.add_hline(
        y=target.green,
        line_dash="dash",
        line_color="#c53030",
        annotation_text=f"target: {target_text(target)}",
        annotation_position="top left",
        annotation_font_color="#c53030",
    )


def _last_two(
    frame: pd.DataFrame, value: str
) -> tuple[tuple[str, float | None], tuple[str, float | None]]:
    """The last two months of a one-line frame: (month, value) each, value None if none."""
    rows = frame.sort_values("period")
    months = list(rows["period"])
    values = [None if pd.isna(v) else float(v) for v in rows[value]]
    last = (str(months[-1]), values[-1]) if months else ("", None)
    before = (str(months[-2]), values[-2]) if len(months) > 1 else ("", None)
    return last, before


def _rate_finding(pooled: pd.DataFrame, rate: str, label: str, target: Target | None) -> str:
    """A rate chart's finding: the latest month's figure, the month before's, the target."""
    if pooled.empty:
        return ""
    (month, value), (before, previous) = _last_two(pooled, rate)
    text = f"{label[:1].upper() + label[1:]}: {_rate_said(value)} in {month}"
    if before:
        text += f", {_rate_said(previous)} in {before}"
    return text + (f"; target {target_text(target)}." if target else ".")


def _rate_said(value: float | None) -> str:
    return "no figure" if value is None else rate_text(value)


def volume_trend(frame, title: str) -> go.Figure:
    """Grouped bars: requests received and answered per month."""
    fig = go.Figure(
        [
            go.Bar(name="received", x=frame["period"], y=frame["received"]),
            go.Bar(name="answered (not withdrawn)", x=frame["period"], y=frame["closed"]),
        ]
    )
    fig.update_layout(
        barmode="group",
        title=title,
        xaxis_title="month (clinic's local dates)",
        yaxis_title="requests (count)",
        **_style(360),
    )
    fig.update_xaxes(type="category")
    return fig


def consent_trend(frame, title: str) -> go.Figure:
    """Grouped bars: opt-ins and opt-outs per month, all channels (one axis: counts)."""
    pooled = frame[frame["segment"] == "all"]
    fig = go.Figure(
        [
            go.Bar(name="opt-ins", x=pooled["period"], y=pooled["opt_ins"]),
            go.Bar(name="opt-outs", x=pooled["period"], y=pooled["opt_outs"]),
        ]
    )
    fig.update_layout(
        title=title,
        barmode="group",
        xaxis_title="month (clinic's local dates)",
        yaxis_title="consent changes (count)",
        **_style(340),
    )
    fig.update_xaxes(type="category")
    _count_axis(fig, max([0, *pooled["opt_ins"], *pooled["opt_outs"]]))
    (month, ins), _ = _last_two(pooled, "opt_ins")
    (_, outs), _ = _last_two(pooled, "opt_outs")
    if month:
        finding = f"{int(outs or 0):,} opt-outs and {int(ins or 0):,} opt-ins in {month}."
        fig.update_layout(meta={"finding": finding})
    return fig


def share_trend(frame, value: str, title: str, y_label: str, legend: str = "") -> go.Figure:
    """Lines: a share per segment and month, every line shown (a channel's coverage)."""
    fig = go.Figure(
        [
            go.Scatter(
                name=plain(segment),
                x=part["period"],
                y=part[value],
                mode="lines+markers",
                connectgaps=False,
                hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
            )
            for segment, part in frame.groupby("segment", sort=True)
        ]
    )
    _share_axes(fig, title, y_label, legend, 340)
    latest = []
    for segment, part in frame.groupby("segment", sort=True):
        (month, v), _ = _last_two(part, value)
        if v is not None:
            latest.append(f"{plain(segment)} {rate_text(float(v))}")
    if latest:
        month = str(frame["period"].max())
        fig.update_layout(meta={"finding": f"At the end of {month}: " + ", ".join(latest) + "."})
    return fig


def _count_axis(fig: go.Figure, most: float) -> None:
    """A count's axis: whole numbers from zero (no 0.5 of a record), a tick per unit when
    the counts are small."""
    fig.update_yaxes(tickformat=",d", rangemode="tozero", **({"dtick": 1} if most <= 6 else {}))


def hours_histogram(bins, width: float, limit_hours: float, title: str) -> go.Figure:
    """Histogram of hours from opt-out to processing, drawn from counts per bin (``bin``
    n covers ((n-1)w, nw]; a bin up to no limit, every longer wait), with the policy's limit
    marked and said in words in the chart's text alternative."""
    labels = [
        _bin_label(n, up, width) for n, up in zip(bins["bin"], bins["up_to_hours"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=[(n - 0.5) * width for n in bins["bin"]],
            y=bins["opt_outs"],
            width=width,
            name="opt-outs",
            marker_color="#2b6cb0",
            customdata=labels,
            hovertemplate="%{customdata}: %{y:,} opt-outs<extra></extra>",
        )
    )
    fig.add_vline(
        x=limit_hours,
        line_dash="dash",
        line_color="#c53030",
        annotation_text=f"policy limit: {limit_hours:g} h",
    )
    fig.update_layout(
        title=title,
        xaxis_title="hours from opt-out to processing",
        yaxis_title="opt-outs (count)",
        bargap=0.05,
        xaxis_range=[0, max(2 * limit_hours, float(bins["bin"].max()) * width)],
        meta={"text_alternative": _hours_sentence(bins, limit_hours, title)},
        **_style(360),
    )
    return fig


def _bin_label(n: int, up_to: float, width: float) -> str:
    """A bar's span in words: the first includes a wait of no time at all, the last
    (no upper edge) every longer wait."""
    if pd.isna(up_to):
        return f"more than {(n - 1) * width:g} h"
    return f"up to {up_to:g} h" if n == 1 else f"more than {(n - 1) * width:g} h, up to {up_to:g} h"


def _hours_sentence(bins, limit_hours: float, title: str) -> str:
    """The histogram in words: how many opt-outs, the range of their waits, and how many
    were processed past the limit (which is what the bars are drawn to show)."""
    total = int(bins["opt_outs"].sum())
    if total == 0:
        return f"{title}: no values to draw."
    past = int(bins.loc[bins["shortest_hours"] > limit_hours, "opt_outs"].sum())
    return (
        f"{title}. {total:,} opt-outs processed, waiting from "
        f"{_short(bins['shortest_hours'].min())} to {_short(bins['longest_hours'].max())} h; "
        f"{past:,} processed past the policy limit of {limit_hours:g} h."
    )


def count_trend(
    frame, value: str, title: str, y_label: str, target: Target | None = None
) -> go.Figure:
    """Stacked bars per segment and month (the pooled 'all' row is left out), whole-number
    ticks, the target as a line."""
    parts = frame[frame["segment"] != "all"].sort_values(["period", "segment"])
    fig = go.Figure(
        [
            go.Bar(name=plain(segment), x=part["period"], y=part[value])
            for segment, part in parts.groupby("segment", sort=True)
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=title,
        xaxis_title="month (clinic's local dates)",
        yaxis_title=y_label,
        **_style(360),
    )
    # every month in order, whichever segment a month's first bar belongs to
    months = sorted(frame["period"].unique())
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=months)
    totals = parts.groupby("period")[value].sum()
    _count_axis(fig, float(totals.max()) if len(totals) else 0.0)
    if target is not None and target.green > 0:  # a target of none is the axis itself
        _target_line(fig, target)
    finding = _count_finding(parts, totals, value, months, target)
    fig.update_layout(meta={"finding": finding})
    return fig


def _count_finding(
    parts: pd.DataFrame, totals: pd.Series, value: str, months: list, target: Target | None
) -> str:
    """A count chart's finding: the latest month's total (``totals``: per month) and its
    largest part, the month before's, the highest month when it was higher, and the
    target."""
    if not months:
        return ""
    last, before = str(months[-1]), str(months[-2]) if len(months) > 1 else ""
    latest = int(totals.get(last, 0))
    text = f"{latest:,} in {last}"
    month = parts[parts["period"] == last]
    if latest and len(month) and month["segment"].nunique() > 1:
        top = month.sort_values([value, "segment"], ascending=[False, True]).iloc[0]
        share = "all" if int(top[value]) == latest else f"{int(top[value]):,}"
        text += f" ({share} {plain(top['segment'])})"
    if before:
        text += f", {int(totals.get(before, 0)):,} in {before}"
    if len(totals) and totals.max() > latest:  # a month worse than the latest
        worst = totals.idxmax()
        text += f"; highest {int(totals[worst]):,} in {worst}"
    return text + (f"; target {target_text(target)}." if target else ".")


def trend_figure(trend: Trend) -> go.Figure:
    """The chart of a domain's trend, by the shape its ``kind`` names."""
    if trend.kind == "rate":
        return rate_trend(
            trend.frame,
            trend.value,
            trend.population,
            trend.title,
            trend.y_label,
            trend.legend,
            trend.all_label,
            trend.target,
        )
    if trend.kind == "count":
        return count_trend(trend.frame, trend.value, trend.title, trend.y_label, trend.target)
    if trend.kind == "share":
        return share_trend(trend.frame, trend.value, trend.title, trend.y_label, trend.legend)
    if trend.kind == "rows_per_month":
        return rows_per_month(trend.frame, trend.title)
    if trend.kind == "consent":
        return consent_trend(trend.frame, trend.title)
    raise ValueError(f"no chart for a trend of kind {trend.kind!r}")
