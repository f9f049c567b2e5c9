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
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from IPython.display import display
from plotly.offline import get_plotlyjs

from analytics.contract import QUARANTINE_REASONS
from analytics.figures import Trend
from analytics.files import write_private

# the month's one copy of plotly.js, beside its pages (officer pages load it from ../)
PLOTLY_FILE = "plotly.min.js"


def write_plotly_js(folder: Path) -> Path:
    """Write plotly.js into a month's folder, for every page of it that has charts."""
    path = folder / PLOTLY_FILE
    write_private(path, get_plotlyjs(), 0o644)  # leadership's, whatever the umask
    return path


def _style(height: int) -> dict:
    """The look every chart shares: white template, the given height, room for a title."""
    return {"template": "plotly_white", "height": height, "margin": {"t": 60, "b": 40}}


def figure_html(fig: go.Figure) -> str:
    """The figure as an HTML fragment that relies on the page's copy of plotly.js, with
    its title as page text above it (Plotly's own title does not wrap: on a phone it was
    cut off at the screen's edge) and its text alternative as a caption (what a screen
    reader, and a reader without the chart, gets)."""
    title = fig.layout.title.text or ""
    drawn = go.Figure(fig)  # a copy: the figure shown in JupyterLab keeps its title
    if title:
        drawn.update_layout(title_text="", margin_t=36)
    chart = drawn.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        config={"displaylogo": False, "responsive": True},
    )
    heading = (
        f'<p class="chart-title" style="font-weight:600;margin:.8rem 0 0">{html.escape(title)}</p>'
        if title
        else ""
    )
    return (
        f'<figure class="chart-figure" style="margin:0">{heading}{chart}'
        f'<figcaption class="chart-alt" style="font-size:.8rem;color:#4a5568">'
        f"{html.escape(text_alternative(fig))}</figcaption></figure>"
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


def quarantine_by_reason(counts: list[dict], title: str) -> go.Figure:
    """Stacked bars: quarantined rows per table, one colour per contract reason."""
    tables = sorted({c["table"] for c in counts})
    reasons = [r for r in QUARANTINE_REASONS if any(c["reason"] == r for c in counts)]
    fig = go.Figure(
        [
            go.Bar(
                name=reason,
                x=tables,
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
                name=table,
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
) -> go.Figure:
    """Lines: a rate per segment and month; 'all' drawn bold, empty months left as gaps."""
    fig = go.Figure()
    for segment, part in sorted(frame.groupby("segment"), key=lambda kv: kv[0] != "all"):
        fig.add_trace(
            go.Scatter(
                name=all_label if segment == "all" else segment.replace("_", " "),
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
    fig.update_layout(
        title=title,
        xaxis_title="month (clinic's local dates)",
        yaxis_title=y_label,
        yaxis_tickformat=".0%",
        yaxis_range=[0, 1.05],
        legend_title=legend,
        **_style(420),
    )
    fig.update_xaxes(type="category")
    return fig


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
    """Bars: opt-ins and opt-outs per month (all channels); lines: marketing coverage."""
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    pooled = frame[frame["segment"] == "all"]
    fig.add_trace(go.Bar(name="opt-ins", x=pooled["period"], y=pooled["opt_ins"]))
    fig.add_trace(go.Bar(name="opt-outs", x=pooled["period"], y=pooled["opt_outs"]))
    for channel, part in frame[frame["segment"].isin(["sms", "email"])].groupby("segment"):
        fig.add_trace(
            go.Scatter(
                name=f"opted in to {channel} marketing",
                x=part["period"],
                y=part["coverage_rate"],
                mode="lines+markers",
            ),
            secondary_y=True,
        )
    fig.update_layout(
        title=title,
        barmode="group",
        **_style(420),
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(title_text="month (clinic's local dates)", type="category")
    fig.update_yaxes(title_text="consent changes (count)", secondary_y=False)
    fig.update_yaxes(
        title_text="patients opted in at month end (%)",
        tickformat=".0%",
        range=[0, 1],
        secondary_y=True,
    )
    return fig


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


def count_trend(frame, value: str, title: str, y_label: str) -> go.Figure:
    """Stacked bars per segment and month (the pooled 'all' row is left out)."""
    parts = frame[frame["segment"] != "all"].sort_values(["period", "segment"])
    fig = go.Figure(
        [
            go.Bar(name=segment.replace("_", " "), x=part["period"], y=part[value])
            for segment, part in parts.groupby("segment", sort=True)
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=title,
        xaxis_title="month (clinic's local dates)",
        yaxis_title=y_label,
        **_style(400),
    )
    # every month in order, whichever segment a month's first bar belongs to
    months = sorted(frame["period"].unique())
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=months)
    return fig


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
        )
    if trend.kind == "count":
        return count_trend(trend.frame, trend.value, trend.title, trend.y_label)
    if trend.kind == "rows_per_month":
        return rows_per_month(trend.frame, trend.title)
    if trend.kind == "consent":
        return consent_trend(trend.frame, trend.title)
    raise ValueError(f"no chart for a trend of kind {trend.kind!r}")
