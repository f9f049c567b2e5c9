"""Data quality: what the export held, what was used and quarantined, and why.

Its per-table queries are generated from the data contract (``analytics.contract``), so
they stay in Python; the quarantined rows are read by ``quarantined_rows.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics.compute.declare import Domain, WorkList
from analytics.compute.memo import per_month
from analytics.contract import QUARANTINE_REASONS, TABLES, TABLES_BY_NAME, Table
from analytics.figures import MetricRow, Trend, rate, row
from analytics.loading.context import ReportContext
from analytics.loading.export import Export
from analytics.loading.hints import read_hints
from analytics.period import Period
from analytics.policy import Target
from analytics.sql import ident, month_buckets, read_sql

NAME = "quality"
# every metric this domain writes to metrics.json (names of shared/spec/metrics.md)
METRICS = (
    "quality.rows_read",
    "quality.rows_used",
    "quality.rows_quarantined",
    "quality.quarantined_rate",
)


@dataclass(frozen=True)
class QualityPolicy:
    """The policy's ``[quality]`` section: when a table's data is too poor to judge by, and
    its leadership targets."""

    # share of a table's rows quarantined beyond which its figures show "data problem"
    data_problem_rate: float = 0.01
    data_problem_source: str = ""
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        # 1 would switch the guard off (no table is ever past it): a reader of "1 %" writes
        # 0.01; 1 or more, or less than 0, is refused rather than silently changing figures
        if not 0 <= self.data_problem_rate < 1:
            raise ValueError(
                f"data_problem_rate {self.data_problem_rate} must be a share from 0 up to, "
                "not including, 1 (0.01 is 1 %)"
            )


REASON_MEANINGS = {
    "bad_value": "a value that cannot be read as its column's type",
    "missing_required": "a required value is empty (or an outbound message has no purpose)",
    "unknown_code": "a code outside the column's allowed list (or, in a comma-separated list "
    "of codes, one element outside it)",
    "bad_order": "a later step dated before an earlier one (e.g. closed before received; an "
    "authorization revoked before it was signed, or ending before the local date it was signed)",
    "inconsistent_state": "a step without its result, or a result without its step (a request "
    "closed without an outcome, an incident assessed without a determination)",
    "duplicate_row": "an exact copy of an earlier row (the first copy is used)",
    "conflicting_id": "two different rows share one id (all of them are set aside)",
}


def validation_summary(export: Export) -> pd.DataFrame:
    """Rows read, used and quarantined per table, with the reasons in words."""
    rows = []
    for r in export.summary_rows():
        reasons = ", ".join(f"{k.replace('_', ' ')} {r[k]}" for k in QUARANTINE_REASONS if r[k])
        rows.append(
            {
                "table": r["table"],
                "in export": "yes"
                if r["present"]
                else f"no ({TABLES_BY_NAME[r['table']].absent_note})",
                "rows read": r["rows_read"],
                "rows used": r["rows_used"],
                "rows quarantined": r["rows_quarantined"],
                "quarantined by reason": reasons or "none",
                "balanced": r["rows_read"] == r["rows_used"] + r["rows_quarantined"],
            }
        )
    for table in export.absent_additions():
        rows.append(
            {
                "table": table,
                "in export": f"no ({TABLES_BY_NAME[table].absent_note})",
                "rows read": None,
                "rows used": None,
                "rows quarantined": None,
                "quarantined by reason": "",
                "balanced": None,
            }
        )
    return pd.DataFrame(rows).astype(
        {"rows read": "Int64", "rows used": "Int64", "rows quarantined": "Int64"}
    )


def reasons_table() -> pd.DataFrame:
    """The quarantine reasons in order of precedence, in plain words."""
    return pd.DataFrame(
        {
            "precedence": range(1, len(QUARANTINE_REASONS) + 1),
            "reason": QUARANTINE_REASONS,
            "meaning": [REASON_MEANINGS[r] for r in QUARANTINE_REASONS],
        }
    )


def _dated(export: Export) -> list[tuple[Table, str]]:
    """The export's dated tables (not an absent v2 table), each with its time column quoted."""
    absent = export.absent_additions()
    return [(t, ident(t.time_column)) for t in TABLES if t.time_column and t.name not in absent]


def period_coverage(export: Export, period: Period, timezone: str) -> pd.DataFrame:
    """Per dated table: rows used in the period, and the export's first and last local date."""
    params: dict = {}
    parts = []
    for i, (t, column) in enumerate(_dated(export)):
        month = month_buckets(column, timezone, [period])
        params.update(month.within_params, **{f"table{i}": t.name})
        parts.append(
            f"""SELECT $table{i} AS "table",
                count(*) FILTER (WHERE {month.within}) AS rows_in_period,
                timezone($tz, min({column}))::DATE AS first_local_date,
                timezone($tz, max({column}))::DATE AS last_local_date
            FROM {ident(t.name)}"""
        )
    return export.con.execute(" UNION ALL ".join(parts), params).df()


def data_problems(ctx: ReportContext) -> dict[str, str]:
    """Tables whose figures cannot be trusted, each with the reason in words: absent from
    the export, empty (a v1 table; a v2 log present with no rows means zero), or with more
    rows quarantined than the policy's limit; and ``table.column`` for a column the export
    lacks while it has a near-miss name for it (what a figure reading it would miss)."""
    limit = ctx.policy.section(NAME, QualityPolicy).data_problem_rate
    found = {}
    for s in ctx.export.reported_tables():
        if s.rows_read == 0 and TABLES_BY_NAME[s.table].when_absent:
            continue  # empty by design (patients): its note says what that means
        if not s.present:
            found[s.table] = f"the export has no {s.table} table"
        elif s.rows_read == 0 and TABLES_BY_NAME[s.table].added_in > 1:
            continue  # a v2 log present and empty: zero, as the contract says, not a problem
        elif s.rows_read == 0:
            found[s.table] = f"the {s.table} table is empty"
        elif s.rows_quarantined / s.rows_read > limit:
            found[s.table] = (
                f"{s.rows_quarantined:,} of {s.rows_read:,} {s.table} rows quarantined "
                f"(more than {limit:.0%})"
            )
        else:  # a column misspelt: only the figures that read it are not judged
            for column, name in s.near_misses.items():
                found[f"{s.table}.{column}"] = (
                    f"{s.table} has no column {column} (its {name!r} looks like it)"
                )
    silent = inbound_without_text(ctx)
    if silent and "messages.body" not in found:
        found["messages.body"] = (
            f"{silent:,} inbound text{'s' if silent != 1 else ''} of {ctx.period} "
            f"{'have' if silent != 1 else 'has'} no words (removed by the texting vendor's "
            "redaction?): what needs the words of replies is not measurable"
        )
    return found


def inbound_without_text(ctx: ReportContext) -> int:
    """Inbound texts of the month whose words did not arrive (``inbound_without_text.sql``)."""
    values = {"tz": ctx.timezone, "first": ctx.period.first_day, "as_of": ctx.period.as_of}
    sql = read_sql(__name__, "inbound_without_text")
    return ctx.export.con.execute(sql, values).fetchall()[0][0]


def absent_columns(export: Export) -> pd.DataFrame:
    """The contract's columns an export lacks (read as empty), with a near-miss name the
    export has instead, if any: shown on the page, never only by ``analytics validate``."""
    found = [
        {
            "table": s.table,
            "column": column,
            "read as": "empty (NULL)",
            "the export has instead": s.near_misses.get(column, ""),
        }
        for s in export.tables.values()
        for column in s.absent_columns
    ]
    return pd.DataFrame(found, columns=["table", "column", "read as", "the export has instead"])


def read_fixes(export: Export) -> pd.DataFrame:
    """What would read what could not be read (CSV lines that are not rows, timestamps in
    another format): the advice of ``analytics validate``, on the page too."""
    return pd.DataFrame({"what to fix in the export or its settings": read_hints(export)})


def future_rows(export: Export, timezone: str, day: date) -> pd.DataFrame:
    """Per dated table: rows dated after ``day`` (a local date; today in a run), and the
    latest of them. Such dates are mistakes of the system that wrote the export; they
    never choose the period a run reports."""
    params: dict = {"tz": timezone, "day": day}
    parts = [
        f"""SELECT $table{i} AS "table", count(*) AS rows_dated_later,
            max(timezone($tz, {column}))::DATE AS latest_local_date
        FROM {ident(t.name)} WHERE timezone($tz, {column})::DATE > $day"""
        for i, (t, column) in enumerate(_dated(export))
    ]
    params.update({f"table{i}": t.name for i, (t, _) in enumerate(_dated(export))})
    found = export.con.execute(" UNION ALL ".join(parts), params).df()
    return found[found["rows_dated_later"] > 0].reset_index(drop=True)


def quarantined_rows(export: Export, limit: int = 50) -> pd.DataFrame:
    """The first quarantined rows of each table and reason, as read (for the officer)."""
    return export.con.execute(read_sql(__name__, "quarantined_rows"), {"limit": limit}).df()


@per_month
def metrics(ctx: ReportContext) -> list[MetricRow]:
    """Data-quality metric rows: per table and pooled rows read, used and quarantined."""
    out = []
    summaries = ctx.export.reported_tables()
    for name in ("rows_read", "rows_used", "rows_quarantined"):
        for s in summaries:
            out.append(row(f"quality.{name}", getattr(s, name), s.table))
        out.append(row(f"quality.{name}", sum(getattr(s, name) for s in summaries)))
    for s in summaries:
        out.append(row("quality.quarantined_rate", rate(s.rows_quarantined, s.rows_read), s.table))
    out.append(
        row(
            "quality.quarantined_rate",
            rate(sum(s.rows_quarantined for s in summaries), sum(s.rows_read for s in summaries)),
        )
    )
    return out


def monthly_rows(export: Export, timezone: str, periods: list[Period]) -> pd.DataFrame:
    """Rows used per dated table and month, over ``periods`` (one pass per table)."""
    params: dict = {}
    parts = []
    for i, (t, column) in enumerate(_dated(export)):
        months = month_buckets(column, timezone, periods)
        params.update(months.params, **{f"table{i}": t.name})
        parts.append(
            f"""SELECT $table{i} AS "table", {months.label} AS period,
                count(*) AS rows
            FROM {ident(t.name)} WHERE {months.within} GROUP BY ALL"""
        )
    found = export.con.execute(" UNION ALL ".join(parts), params).df()
    grid = pd.DataFrame(
        [(t.name, str(p)) for t, _ in _dated(export) for p in periods],
        columns=["table", "period"],
    )
    out = grid.merge(found, on=["table", "period"], how="left")
    out["rows"] = out["rows"].fillna(0).astype(int)
    return out


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Rows per month by table over the trailing twelve months (gaps reveal missing data)."""
    months = ctx.period.trailing(12)
    frame = monthly_rows(ctx.export, ctx.timezone, months)
    title = f"Rows per month by table, {months[0]} to {months[-1]} (data contract v1)"
    # how much of each log arrived: data quality's chart, not leadership's
    return [Trend("rows_per_month", frame, title, overview=False)]


# the rows of each table and reason the officer's list holds (the run writes them all)
LISTED_PER_REASON = 1_000_000

DOMAIN = Domain(
    name=NAME,
    title="Data quality",
    promise="Data quality",
    rule="data contract v1: every row checked; rows read = rows used + rows quarantined",
    policy_section=QualityPolicy,
    tables=(),  # the export tables its figures read
    metric_names=METRICS,
    metrics=metrics,
    trends=trends,
    lists=(
        WorkList(
            "quarantined_rows",
            "Quarantined rows, as read",
            make=lambda ctx: quarantined_rows(ctx.export, limit=LISTED_PER_REASON),
        ),
    ),
)
