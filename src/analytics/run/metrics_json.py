"""The ``metrics.json`` document (schema ``compliance-metrics/1``).

Every registered domain computes its metric rows (``analytics.figures``) in DuckDB; this
module gathers them in report order, adds provenance, and checks the document's shape.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from analytics import __version__
from analytics.compute.memo import month_figure
from analytics.figures import MetricRow, Trend
from analytics.loading.context import ReportContext
from analytics.loading.export import TableSummary
from analytics.period import Period
from analytics.registry import DOMAINS

SCHEMA = "compliance-metrics/1"


def compute_all(ctx: ReportContext) -> list[MetricRow]:
    """Every metric of every registered domain for the context's period, in report order."""
    rows: list[MetricRow] = []
    for domain in DOMAINS:
        rows.extend(domain.metrics(ctx))
    return rows


def prefetch(ctx: ReportContext, periods: list[Period]) -> None:
    """Every domain's metrics of ``periods`` (consecutive), each domain's months in one
    pass: the overview's history and a back-fill then find each month computed."""
    if not periods:
        return
    for domain in DOMAINS:
        domain.metrics.prefetch(ctx, periods)


def months_shown(ctx: ReportContext, periods: list[Period], months: int = 12) -> list[Period]:
    """The months whose figures the overviews of ``periods`` show: each and the months
    before it in its history, from the export's first dated month (a month before it has
    no figures; ``loading.coverage``)."""
    first = ctx.coverage.first
    if first is None:
        return []
    start, end = min(periods).shift(1 - months), max(periods)
    span = [
        start.shift(k) for k in range((end.year - start.year) * 12 + end.month - start.month + 1)
    ]
    return [p for p in span if p.as_of >= first]


def month_figures(ctx: ReportContext) -> list[MetricRow]:
    """Every metric of the context's month, computed once per export and policy: the
    months of a back-fill share them (a month's history is the eleven before it)."""
    return month_figure(ctx, "metrics.json", lambda: compute_all(ctx))


def history(
    ctx: ReportContext, this_month: list[MetricRow], months: int = 12
) -> dict[tuple[str, str], list[float | None]]:
    """Each figure's value in the ``months`` months ending with the context's, oldest
    first (for the overview's last month, change and sparkline). ``this_month`` is the
    period's own figures, as the notebooks recorded them; a month before the export's first
    dated row has no figures (None), not zeros."""
    first = ctx.coverage.first
    prefetch(ctx, months_shown(ctx, [ctx.period.shift(-1)], months - 1))
    series: dict[tuple[str, str], list[float | None]] = {}
    for back in range(months - 1, -1, -1):
        period = ctx.period.shift(-back)
        if back == 0:
            rows = this_month
        elif first is None or period.as_of < first:
            rows = []
        else:
            rows = month_figures(replace(ctx, period=period))
        values = {(m["metric"], m["segment"]): m["value"] for m in rows}
        for key in {*series, *values}:
            series.setdefault(key, [None] * (months - 1 - back)).append(values.get(key))
    return series


def all_trends(ctx: ReportContext) -> list[Trend]:
    """Every domain's twelve-month trends, for the leadership index."""
    return [trend for domain in DOMAINS for trend in domain.trends(ctx)]


def _table_entry(summary: TableSummary) -> dict:
    """A table's rows read, used and quarantined; with the contract's columns it lacks
    (read as empty) and the export's near-miss names for them, when there are any."""
    entry: dict = {
        "rows_read": summary.rows_read,
        "rows_used": summary.rows_used,
        "rows_quarantined": summary.rows_quarantined,
    }
    if summary.absent_columns:
        entry["absent_columns"] = list(summary.absent_columns)
    if summary.near_misses:
        entry["near_misses"] = dict(summary.near_misses)
    return entry


def coverage_entry(ctx: ReportContext) -> dict:
    """Whether the export covers the period to its last day, and how far it reaches (for a
    tool reading the figures: a month reported with --partial is not a whole month)."""
    cov = ctx.coverage
    return {
        "complete": not ctx.incomplete,
        "through": None if cov.through is None else cov.through.isoformat(),
        "extracted_at": None
        if ctx.export.extracted_at is None
        else ctx.export.extracted_at.isoformat(),
        "logs_end": {log.table: log.last.isoformat() for log in cov.logs},
    }


def document(ctx: ReportContext, metrics: list[MetricRow], generated_at: datetime) -> dict:
    """The ``metrics.json`` document for one period."""
    return {
        "schema": SCHEMA,
        "period": str(ctx.period),
        "timezone": ctx.timezone,
        "policy": {"path": ctx.policy.path, "sha256": ctx.policy.sha256},
        "source": {
            "path": str(ctx.export.source),
            "form": ctx.export.form,
            "tables": {s.table: _table_entry(s) for s in ctx.export.reported_tables()},
        },
        "metrics": metrics,
        "quarantine": ctx.export.quarantine_counts(),
        "coverage": coverage_entry(ctx),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "generator": {"package": "analytics", "version": __version__},
    }


def shape_problems(doc: dict) -> list[str]:
    """Ways in which a document breaks the documented shape (empty: it conforms)."""
    found = []
    for key in ("schema", "period", "timezone", "policy", "source", "metrics", "quarantine"):
        if key not in doc:
            found.append(f"missing key {key!r}")
    if found:
        return found
    if doc["schema"] != SCHEMA:
        found.append(f"schema is {doc['schema']!r}")
    if not (isinstance(doc["period"], str) and len(doc["period"]) == 7 and doc["period"][4] == "-"):
        found.append("period is not YYYY-MM")
    if set(doc["policy"]) < {"path", "sha256"}:
        found.append("policy lacks path or sha256")
    for name, t in doc["source"].get("tables", {}).items():
        if t["rows_read"] != t["rows_used"] + t["rows_quarantined"]:
            found.append(f"table {name}: rows read != used + quarantined")
    seen: set[tuple] = set()
    for m in doc["metrics"]:
        row_key = (m.get("metric"), m.get("segment"))
        if set(m) < {"metric", "segment", "value"}:
            found.append(f"metric row {m} lacks a key")
        if row_key in seen:
            found.append(f"metric {row_key} appears twice")
        seen.add(row_key)
        v = m.get("value")
        if v is not None and not isinstance(v, int | float) or isinstance(v, bool):
            found.append(f"metric {row_key} has a non-numeric value {v!r}")
        elif isinstance(v, float) and m["metric"].endswith("_rate") and not 0 <= v <= 1:
            found.append(f"rate {row_key} is outside [0, 1]: {v}")
        elif isinstance(v, int) and v < 0:
            found.append(f"count {row_key} is negative: {v}")
    metrics = {m["metric"] for m in doc["metrics"]}
    for name in metrics:
        segments = {m["segment"] for m in doc["metrics"] if m["metric"] == name}
        if "all" not in segments:
            found.append(f"metric {name} has no segment 'all'")
    for q in doc["quarantine"]:
        if set(q) < {"table", "reason", "rows"} or not isinstance(q["rows"], int):
            found.append(f"quarantine row {q} is malformed")
    return found
