"""The leadership index: headline tiles against their targets, trends, links.

Built directly from the run's metric rows and trend frames (no notebook), as one page
that loads the month's copy of plotly.js beside it; every value escaped by Jinja.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import plotly.graph_objects as go

from analytics import __version__
from analytics.domains.quality import data_problems
from analytics.figures import MetricRow
from analytics.loading.context import ReportContext
from analytics.period import today
from analytics.policy import Policy, Target
from analytics.presentation.charts import PLOTLY_FILE, figure_html
from analytics.presentation.templates import environment
from analytics.registry import DOMAINS

STATUS_TEXT = {
    "green": "on target",
    "amber": "watch",
    "red": "off target",
    "grey": "no data",
    "problem": "data problem",
}


@dataclass(frozen=True)
class Tile:
    """One headline figure with its target and colour."""

    metric: str
    segment: str
    label: str
    report: str
    rule: str
    value_text: str
    target_text: str
    status: str
    problem: str = ""  # why the figure cannot be judged: the data it needs did not arrive

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


def format_value(value: float | None, unit: str) -> str:
    """A figure as a reader sees it: a percentage, a count, or 'no data'."""
    if value is None:
        return "no data"
    if unit == "rate":
        if value in (0, 1):
            return f"{value * 100:.0f} %"
        return f"{value * 100:.1f} %" if value >= 0.01 else f"{value * 100:.2g} %"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "hours":
        return f"{value:.1f} h"
    return f"{int(value):,}"


def status(value: float | None, target: Target) -> str:
    """green, amber or red against a target; grey when there is no figure."""
    if value is None:
        return "grey"
    if target.better == "lower":
        return "green" if value <= target.green else "amber" if value <= target.amber else "red"
    return "green" if value >= target.green else "amber" if value >= target.amber else "red"


def target_text(target: Target) -> str:
    """The target in words: the policy's own wording if it gives one."""
    if target.target_text:
        return target.target_text
    green, amber = format_value(target.green, target.unit), format_value(target.amber, target.unit)
    if target.better == "lower":
        return f"{green} or less (amber up to {amber})"
    return f"{green} or more (amber from {amber})"


def _expand(target: Target, metric_rows: list[MetricRow]) -> list[Target]:
    """A target's segments: its own, or with segment '*' every segment but 'all'."""
    if target.segment != "*":
        return [target]
    segments = sorted({m["segment"] for m in metric_rows if m["metric"] == target.metric} - {"all"})
    return [
        replace(
            target,
            segment=s,
            label=target.label.format(segment=s.replace("_", " ")),
            rule=target.rule.format(segment=s.replace("_", " ")),
        )
        for s in segments
    ]


def tiles(
    metric_rows: list[MetricRow],
    policy: Policy,
    reports: set[str],
    problems: dict[str, str] | None = None,
) -> list[Tile]:
    """A tile for each policy target (and segment) of each domain whose report ran.

    ``problems`` (table: why) turns every tile of a domain that reads such a table into
    "data problem": never green on data that did not arrive.
    """
    values = {(m["metric"], m["segment"]): m["value"] for m in metric_rows}
    problems = problems or {}
    out = []
    for domain in DOMAINS:
        if domain.name not in reports:
            continue
        problem = "; ".join(problems[t] for t in domain.tables if t in problems)
        for target in policy.targets(domain.name):
            for t in _expand(target, metric_rows):
                value = values.get((t.metric, t.segment))
                out.append(
                    Tile(
                        metric=t.metric,
                        segment=t.segment,
                        label=t.label,
                        report=domain.name,
                        rule=t.rule,
                        value_text=format_value(value, t.unit),
                        target_text=target_text(t),
                        status="problem" if problem else status(value, t),
                        problem=problem,
                    )
                )
    return out


def _page_of_metric(prefix: str, reports: list[dict]) -> str:
    """The page of the domain whose metrics start with ``prefix`` ('quality': the rows
    read, used and quarantined), or the index itself when that page did not run."""
    for domain in DOMAINS:
        if prefix in domain.metric_prefixes and domain.name in {r["name"] for r in reports}:
            return f"{domain.name}.html"
    return "#"


def render_index(
    ctx: ReportContext,
    metric_rows: list[MetricRow],
    charts: list[go.Figure],
    reports: list[dict],
    generated_at: datetime,
) -> str:
    """The leadership index page as HTML."""
    summaries = ctx.export.tables.values()
    read = {t for d in DOMAINS for t in d.tables}
    problems = {t: why for t, why in data_problems(ctx).items() if t in read}
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            clinic=ctx.policy.clinic_name,
            period=str(ctx.period),
            period_label=ctx.period.first_day.strftime("%B %Y"),
            as_of=ctx.period.as_of.isoformat(),
            timezone=ctx.timezone,
            generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
            source=str(ctx.export.source),
            source_form=ctx.export.form,
            policy_path=ctx.policy.path,
            policy_sha=ctx.policy.sha256,
            rows_read=sum(s.rows_read for s in summaries),
            rows_used=sum(s.rows_used for s in summaries),
            rows_quarantined=sum(s.rows_quarantined for s in summaries),
            tiles=tiles(metric_rows, ctx.policy, {r["name"] for r in reports}, problems),
            problems=problems,
            quality_page=_page_of_metric("quality", reports),
            incomplete=ctx.incomplete,
            today=today(ctx.timezone).isoformat(),
            charts=[figure_html(f) for f in charts],
            reports=reports,
            plotly_src=PLOTLY_FILE,
        )
    )
