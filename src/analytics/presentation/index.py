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
from analytics.policy import Policy, Target
from analytics.presentation.actions import agenda
from analytics.presentation.charts import CHART_CSS, PLOTLY_FILE, figure_html
from analytics.presentation.formatting import format_value, local_time_text, plain, target_text
from analytics.presentation.templates import environment
from analytics.registry import DOMAINS

STATUS_TEXT = {
    "green": "on target",
    "amber": "watch",
    "red": "off target",
    "grey": "no data",
    "problem": "data problem",
    "partial": "month incomplete",
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
    promise: str = ""  # the notice's promise it measures (its group on the overview)
    previous_text: str = ""  # last month's figure, as shown
    change_text: str = ""  # this month against last month
    change_class: str = ""  # "better" or "worse" than last month, by the target's direction
    history: tuple[float | None, ...] = ()  # twelve months, oldest first, this month last
    sentence: str = ""  # the overview's sentence, when off target
    severity: float = 0.0  # how far past the amber limit (off-target figures rank by it)
    href: str = ""  # the report page (and section) that explains it
    unit: str = "count"
    value: float | None = None

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


def status(value: float | None, target: Target) -> str:
    """green, amber or red against a target; grey when there is no figure."""
    if value is None:
        return "grey"
    if target.better == "lower":
        return "green" if value <= target.green else "amber" if value <= target.amber else "red"
    return "green" if value >= target.green else "amber" if value >= target.amber else "red"


def _reads(columns: dict[str, tuple[str, ...]], problem: str) -> bool:
    """Whether a figure reading ``columns`` (table: its columns, empty: all) reads what the
    problem ``table`` or ``table.column`` is about."""
    table, _, column = problem.partition(".")
    return table in columns and (not column or not columns[table] or column in columns[table])


def partial_status(state: str, target: Target) -> str:
    """A figure's status in a month the export does not cover to its end: the days it
    lacks could only add violations, so a count past its limit stays off target; every
    other figure is not judged."""
    return "red" if state == "red" and counts_violations(target) else "partial"


def _expand(target: Target, metric_rows: list[MetricRow]) -> list[Target]:
    """A target's segments: its own, or with segment '*' every segment but 'all'."""
    if target.segment != "*":
        return [target]
    segments = sorted({m["segment"] for m in metric_rows if m["metric"] == target.metric} - {"all"})
    return [
        replace(
            target,
            segment=s,
            label=target.label.format(segment=plain(s)),
            rule=target.rule.format(segment=plain(s)),
        )
        for s in segments
    ]


def tiles(
    metric_rows: list[MetricRow],
    policy: Policy,
    reports: set[str],
    problems: dict[str, str] | None = None,
    history: dict[tuple[str, str], list[float | None]] | None = None,
    absent_logs: tuple[str, ...] = (),
    incomplete: bool = False,
) -> list[Tile]:
    """A tile for each policy target (and segment) of each domain whose report ran.

    ``problems`` (``table`` or ``table.column``: why) turns every tile that reads such a
    table or column into "data problem": never green on data that did not arrive.
    ``history`` (each figure's twelve months, oldest first) gives last month, the change
    and the sparkline. A domain that reads an optional log the export does not have
    (``absent_logs``) shows "no data", saying which log is missing: never zero, never
    green. In an ``incomplete`` month (the export does not cover it to its end) no figure
    is on target or watch: only a count of violations past its limit, a certain lower
    bound, stays off target.
    """
    values = {(m["metric"], m["segment"]): m["value"] for m in metric_rows}
    problems = problems or {}
    history = history or {}
    out = []
    for domain in DOMAINS:
        if domain.name not in reports:
            continue
        for target in policy.targets(domain.name):
            reads = domain.columns_read(target.metric)
            problem = "; ".join(why for key, why in problems.items() if _reads(reads, key))
            needed = domain.logs.get(target.metric.split(".")[0], ())
            lacking = [log for log in needed if log in absent_logs]
            missing = bool(lacking)
            problem_here = (
                "; ".join(f"no {log.replace('_', ' ')} log in this export" for log in lacking)
                if missing
                else problem
            )
            for t in _expand(target, metric_rows):
                value = values.get((t.metric, t.segment))
                past = history.get((t.metric, t.segment), [])
                previous = past[-2] if len(past) >= 2 else None
                state = "grey" if missing else "problem" if problem else status(value, t)
                if incomplete and state in ("green", "amber", "red"):
                    state = partial_status(state, t)
                # a count of violations past its limit is certain even when the data is
                # not whole (a problem, an incomplete month): what arrived holds at least
                # that many, so it stays on the action list, said as a lower bound
                certain = not missing and is_certain(value, t)
                lower_bound = certain and (bool(problem) or incomplete)
                out.append(
                    Tile(
                        metric=t.metric,
                        segment=t.segment,
                        label=t.label,
                        report=domain.name,
                        rule=t.rule,
                        value_text=format_value(value, t.unit),
                        target_text=target_text(t),
                        status=state,
                        problem=problem_here,
                        promise=domain.promise,
                        previous_text=format_value(previous, t.unit) if past else "",
                        # part of a month against a whole one is no change: not shown
                        change_text="—" if incomplete else change_text(value, previous, t.unit),
                        change_class="" if incomplete else direction(value, previous, t),
                        history=tuple(past),
                        sentence=(
                            sentence(t, value, at_least=lower_bound)
                            if state == "red" or lower_bound
                            else ""
                        ),
                        severity=severity(value, t),
                        href=f"{domain.name}.html" + (f"#{anchor(t.section)}" if t.section else ""),
                        unit=t.unit,
                        value=value,
                    )
                )
    return out


def counts_violations(target: Target) -> bool:
    """Whether a target's figure counts violations: more data could only add to it."""
    return target.unit == "count" and target.better == "lower"


def is_certain(value: float | None, target: Target) -> bool:
    """Whether a figure is a count of violations past its limit: certain whatever data did
    not arrive (what arrived holds at least that many)."""
    return value is not None and counts_violations(target) and status(value, target) == "red"


def sentence(target: Target, value: float | None, at_least: bool = False) -> str:
    """The overview's plain sentence for a figure off target, with its number; with
    ``at_least``, said as a lower bound (the data it is counted from is not whole)."""
    shown = format_value(value, target.unit)
    if target.unit == "count" and value == 1 and target.sentence_one:
        text = target.sentence_one
    else:
        text = target.sentence or f"{target.label}: {{value}} (target {target_text(target)})"
    text = text.format(value=shown, segment=plain(target.segment))
    if at_least:
        return f"At least: {text} (counted from data that is not whole)."
    return text[:1].upper() + text[1:] + "."


def severity(value: float | None, target: Target) -> float:
    """How far past its amber limit a figure is, relative to that limit (0 within it),
    times the target's weight: the overview lists the worst first."""
    if value is None:
        return 0.0
    if target.better == "lower":
        past = max(0.0, (value - target.amber) / max(abs(target.amber), 1.0))
    else:
        past = max(0.0, (target.amber - value) / max(abs(target.amber), 0.01))
    return past * target.weight


def change_text(value: float | None, previous: float | None, unit: str) -> str:
    """This month against last month: points for a rate, the difference otherwise."""
    if value is None or previous is None:
        return "—"
    diff = value - previous
    if unit == "rate":
        return "no change" if abs(diff) < 0.0005 else f"{diff * 100:+.1f} pts"
    if unit in ("days", "hours"):
        return "no change" if abs(diff) < 0.05 else f"{diff:+.1f}"
    return "no change" if diff == 0 else f"{int(diff):+,}"


def direction(value: float | None, previous: float | None, target: Target) -> str:
    """Whether this month moved the right way for its target ("better"), the wrong way
    ("worse"), or not at all (""), so that the change is coloured by what it means."""
    if value is None or previous is None or value == previous:
        return ""
    up = value > previous
    return "better" if up == (target.better == "higher") else "worse"


def anchor(heading: str) -> str:
    """The id nbconvert gives a heading: its text with spaces as hyphens."""
    return heading.strip().replace(" ", "-")


def needs_action(all_tiles: list[Tile]) -> list[Tile]:
    """The figures off target, worst first: the overview's opening sentences."""
    return sorted((t for t in all_tiles if t.sentence), key=lambda t: -t.severity)


def is_quiet(tile: Tile) -> bool:
    """A segment with no activity this month (a request type with nothing closed): one
    line on the overview lists them, instead of a row each."""
    return tile.segment != "all" and tile.value is None and not tile.problem


# the notice's promises, in its order: the overview's groups (a later domain's promise
# that is not here comes after them, in registry order)
PROMISES = (
    "Your rights",
    "Marketing and texts",
    "Sharing and business associates",
    "Safeguards and breaches",
    "Retention and destruction",
    "Data quality",
)


def scorecard(all_tiles: list[Tile]) -> list[tuple[str, list[Tile]]]:
    """The figures with activity, grouped by the promise they measure."""
    order = [*PROMISES, *(d.promise for d in DOMAINS if d.promise not in PROMISES)]
    groups: dict[str, list[Tile]] = {p: [] for p in order}
    for t in all_tiles:
        if not is_quiet(t):
            groups[t.promise].append(t)
    return [(p, ts) for p, ts in groups.items() if ts]


def sparkline(values: tuple[float | None, ...], unit: str) -> str:
    """Twelve months as a small inline SVG (no script), with the values in words for a
    screen reader; a month without a figure is a gap."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    width, height, pad = 120, 28, 3
    lo, hi = min(known), max(known)
    span = (hi - lo) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
            continue
        y = height - pad - (v - lo) / span * (height - 2 * pad)
        runs[-1].append(f"{pad + i * step:.1f},{y:.1f}")
    lines = "".join(
        f'<polyline points="{" ".join(r)}" fill="none" stroke="currentColor" stroke-width="1.6"/>'
        for r in runs
        if len(r) > 1
    )
    words = ", ".join(format_value(v, unit) for v in values)
    return (
        f'<svg class="spark" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>Twelve months, oldest first: {words}</title>'
        f"{lines}</svg>"
    )


def _page_of_metric(prefix: str, reports: list[dict]) -> str:
    """The page of the domain whose metrics start with ``prefix`` ('quality': the rows
    read, used and quarantined), or the index itself when that page did not run."""
    for domain in DOMAINS:
        if prefix in domain.metric_prefixes and domain.name in {r["name"] for r in reports}:
            return f"{domain.name}.html"
    return "#"


def month_tiles(
    ctx: ReportContext,
    metric_rows: list[MetricRow],
    reports: list[dict],
    history: dict[tuple[str, str], list[float | None]] | None = None,
) -> tuple[list[Tile], dict[str, str]]:
    """The month's headline figures against their targets, and the data problems that
    keep some from being judged."""
    read = {t for d in DOMAINS for t in d.all_tables}
    problems = {k: why for k, why in data_problems(ctx).items() if k.partition(".")[0] in read}
    found = tiles(
        metric_rows,
        ctx.policy,
        {r["name"] for r in reports},
        problems,
        history,
        tuple(ctx.export.absent_logs()),
        ctx.incomplete,
    )
    return found, problems


def month_summary(all_tiles: list[Tile]) -> dict[str, int]:
    """How the month's headline figures stand, for the index of months (``manifest.json``)."""
    counted = {s: sum(1 for t in all_tiles if t.status == s) for s in STATUS_TEXT}
    return {
        "figures": len(all_tiles),
        "off_target": counted.get("red", 0),
        "watch": counted.get("amber", 0),
        "on_target": counted.get("green", 0),
        "not_judged": len(all_tiles) - sum(counted.get(s, 0) for s in ("red", "amber", "green")),
    }


def render_index(
    ctx: ReportContext,
    metric_rows: list[MetricRow],
    charts: list[go.Figure],
    reports: list[dict],
    generated_at: datetime,
    history: dict[tuple[str, str], list[float | None]] | None = None,
    computed: tuple[list[Tile], dict[str, str]] | None = None,
) -> str:
    """The leadership overview as HTML: what needs action, then the scorecard
    (``computed``: its tiles and problems, when the run has them already)."""
    summaries = ctx.export.tables.values()
    all_tiles, problems = computed or month_tiles(ctx, metric_rows, reports, history)
    previous = ctx.period.shift(-1)
    values = {(m["metric"], m["segment"]): m["value"] for m in metric_rows}
    shown = [t for t in all_tiles if not is_quiet(t)]
    opening = agenda(ctx, shown, needs_action(shown), values, {r["name"] for r in reports})
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            clinic=ctx.policy.clinic_name,
            period=str(ctx.period),
            previous_period=str(previous),
            period_label=ctx.period.first_day.strftime("%B %Y"),
            as_of=ctx.period.as_of.isoformat(),
            timezone=ctx.timezone,
            generated_at=local_time_text(generated_at, ctx.timezone),
            version=__version__,
            source=str(ctx.export.source),
            source_form=plain(ctx.export.form),
            policy_path=ctx.policy.path,
            policy_sha=ctx.policy.sha256,
            rows_read=sum(s.rows_read for s in summaries),
            rows_used=sum(s.rows_used for s in summaries),
            rows_quarantined=sum(s.rows_quarantined for s in summaries),
            agenda=opening,
            groups=scorecard(all_tiles),
            quiet=[t for t in all_tiles if is_quiet(t)],
            sparkline=sparkline,
            problems=problems,
            quality_page=_page_of_metric("quality", reports),
            incomplete=ctx.incomplete_text(),
            charts=[figure_html(f) for f in charts],
            reports=reports,
            plotly_src=PLOTLY_FILE,
            chart_css=CHART_CSS,
        )
    )
