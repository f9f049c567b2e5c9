"""Retention: what must be destroyed, what was destroyed too soon, what is on hold.

Per record, in DuckDB (``shared/spec/metrics.md``, *Retention*):
- retention end = last activity's local date + keep-at-least years; for a medical record
  of a patient under 18 on that date, the later of that and the birthday of the policy's
  minors' age (19);
- dispose-by = the later of retention end and last activity + dispose-by years;
- disposal due = dispose-by + the grace days. Adding years to 29 February lands on
  28 February. A record on legal hold is never due.
"""

from __future__ import annotations

import pandas as pd

from analytics.metrics import MetricRow, row
from analytics.period import Period
from analytics.present import segment_table
from analytics.sql import PERIODS_CTE, has_table, period_params


def _policy(ctx) -> dict:
    return ctx.policy.data["retention"]


def ensure_record_retention(ctx) -> None:
    """Create the view ``record_retention`` (one row per record with its dates) and the
    small table ``retention_runs`` the monthly figures count from, once per connection.

    A view, not a table: a health system holds twenty million records, and the officer's
    lists each read a few of them; the monthly figures read ``retention_runs`` instead.
    """
    con = ctx.export.con
    if has_table(con, "retention_runs"):
        return
    policy = _policy(ctx)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE retention_policy (record_class VARCHAR, "
        "keep_years INTEGER, dispose_by_years INTEGER, source VARCHAR)"
    )
    con.executemany(
        "INSERT INTO retention_policy VALUES (?, ?, ?, ?)",
        [
            (name, c["keep_years"], c["dispose_by_years"], c["source"])
            for name, c in policy["classes"].items()
        ],
    )
    # a view cannot bind parameters: the policy's values go in a one-row table
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _retention_params AS "
        "SELECT $tz AS tz, $minor_age::INTEGER AS minor_age, $grace::INTEGER AS grace",
        {
            "tz": ctx.timezone,
            "minor_age": policy["minors_until_age"],
            "grace": policy["grace_days"],
        },
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW record_retention AS
        WITH r AS (
            SELECT rec.*,
                timezone(x.tz, created_at)::DATE AS created_date,
                timezone(x.tz, last_activity_at)::DATE AS last_activity_date,
                timezone(x.tz, disposed_at)::DATE AS disposed_date,
                p.keep_years, p.dispose_by_years, x.minor_age, x.grace
            FROM records rec LEFT JOIN retention_policy p USING (record_class)
            CROSS JOIN _retention_params x
        ), e AS (
            SELECT *,
                record_class = 'medical' AND birth_date IS NOT NULL
                    AND birth_date + to_years(18) > last_activity_date AS minor,
                (last_activity_date + to_years(keep_years))::DATE AS base_end
            FROM r
        ), f AS (
            SELECT *,
                CASE WHEN minor
                     THEN greatest(base_end, (birth_date + to_years(minor_age))::DATE)
                     ELSE base_end END AS retention_end
            FROM e
        ), g AS (
            SELECT *,
                greatest(retention_end,
                         (last_activity_date + to_years(dispose_by_years))::DATE) AS dispose_by
            FROM f
        )
        SELECT record_id, patient_id, record_class, legal_hold, created_date,
            last_activity_date, disposed_date, minor, retention_end, dispose_by,
            dispose_by + grace AS disposal_due
        FROM g
        """
    )
    mi = _month_index
    # Every monthly figure counts records over a run of months: held from the month of
    # creation to the month before destruction; overdue from the month after the due date
    # (disposal_due < as_of); due within 90 days from the month of due - 90 to the month
    # before the due date; destroyed in the month of destruction. Records with the same
    # months are counted together: a few thousand rows for millions of records.
    con.execute(
        f"""
        CREATE TEMP TABLE retention_runs AS
        SELECT record_class,
            legal_hold IS TRUE AS on_hold, legal_hold IS FALSE AS not_on_hold,
            (disposed_date < retention_end) IS TRUE AS premature,
            {mi("created_date")} AS created_m,
            {mi("disposed_date")} AS disposed_m,
            {mi("disposal_due + 1")} AS overdue_m,
            {mi("disposal_due - 90")} AS due_from_m,
            {mi("disposal_due")} AS due_m,
            count(*) AS records
        FROM record_retention GROUP BY ALL
        """
    )


def _month_index(date_sql: str) -> str:
    """SQL: the month a local date falls in, as year * 12 + month - 1 (``Period.shift``'s)."""
    return f"(year({date_sql}) * 12 + month({date_sql}) - 1)"


def monthly_frame(ctx, periods: list[Period]) -> pd.DataFrame:
    """Per period and record class (and 'all'): every retention figure, in one pass.

    ``periods`` are consecutive months. Each figure counts records over a run of months
    (``retention_runs``): the runs are clamped to the periods and spread over them, so the
    records are read once (when the runs are built) whatever the number of months.
    """
    ensure_record_retention(ctx)
    first = periods[0]
    if [str(p) for p in periods] != [str(first.shift(k)) for k in range(len(periods))]:
        raise ValueError("retention figures are computed over consecutive months")
    return ctx.export.con.execute(
        f"""
        WITH {PERIODS_CTE},
        months AS (SELECT period, row_number() OVER (ORDER BY period) - 1 AS k FROM periods),
        segments AS (SELECT DISTINCT record_class AS segment FROM retention_runs
                     UNION SELECT 'all'),
        -- month indices relative to the first month (k = 0 .. n - 1), clamped
        runs AS (
            SELECT record_class, on_hold, not_on_hold, premature, records,
                created_m - $m0 AS held_from,
                coalesce(disposed_m - $m0 - 1, $n) AS held_to,
                -- no due date (a class the policy does not schedule): never due
                coalesce(overdue_m - $m0, $n) AS overdue_from,
                coalesce(due_from_m - $m0, $n) AS due_from,
                coalesce(due_m - $m0 - 1, -1) AS due_to,
                disposed_m - $m0 AS disposed_k
            FROM retention_runs
        ),
        grouped AS (
            SELECT record_class, on_hold, not_on_hold, premature,
                greatest(held_from, 0) AS held_from, least(held_to, $n) AS held_to,
                greatest(held_from, overdue_from, 0) AS overdue_from,
                greatest(held_from, due_from, 0) AS due_from,
                least(held_to, due_to, $n) AS due_to,
                CASE WHEN disposed_k BETWEEN 0 AND $n - 1 THEN disposed_k END AS disposed_k,
                sum(records) AS records
            FROM runs GROUP BY ALL
        ),
        counted AS (
            SELECT m.period,
                CASE WHEN grouping(g.record_class) = 1 THEN 'all' ELSE g.record_class END
                    AS segment,
                sum(records) FILTER (m.k BETWEEN held_from AND held_to) AS held,
                sum(records) FILTER (not_on_hold AND m.k BETWEEN overdue_from AND held_to)
                    AS overdue_disposal,
                sum(records) FILTER (disposed_k = m.k AND premature) AS premature_disposals,
                sum(records) FILTER (disposed_k = m.k AND on_hold) AS disposed_under_hold,
                sum(records) FILTER (not_on_hold AND m.k BETWEEN due_from AND due_to)
                    AS due_next_90_days,
                sum(records) FILTER (disposed_k = m.k) AS disposed,
                sum(records) FILTER (on_hold AND m.k BETWEEN held_from AND held_to)
                    AS on_legal_hold
            FROM months m CROSS JOIN grouped g
            GROUP BY GROUPING SETS ((m.period, g.record_class), (m.period))
        )
        SELECT p.period, s.segment,
            coalesce(held, 0)::BIGINT AS held,
            coalesce(overdue_disposal, 0)::BIGINT AS overdue_disposal,
            coalesce(premature_disposals, 0)::BIGINT AS premature_disposals,
            coalesce(disposed_under_hold, 0)::BIGINT AS disposed_under_hold,
            coalesce(due_next_90_days, 0)::BIGINT AS due_next_90_days,
            coalesce(disposed, 0)::BIGINT AS disposed,
            coalesce(on_legal_hold, 0)::BIGINT AS on_legal_hold
        FROM periods p CROSS JOIN segments s
        LEFT JOIN counted c ON c.period = p.period AND c.segment = s.segment
        ORDER BY p.period, s.segment = 'all', s.segment
        """,
        {
            **period_params(ctx.timezone, periods),
            "m0": first.year * 12 + first.month - 1,
            "n": len(periods),
        },
    ).df()


COUNTS = (
    "held",
    "overdue_disposal",
    "premature_disposals",
    "disposed_under_hold",
    "due_next_90_days",
    "disposed",
    "on_legal_hold",
)


def metrics(ctx) -> list[MetricRow]:
    """Every retention metric of metrics.md for the context's period."""
    frame = monthly_frame(ctx, [ctx.period])
    return [
        row(f"retention.{name}", int(getattr(r, name)), r.segment)
        for name in COUNTS
        for r in frame.itertuples()
    ]


def _queue(ctx, where: str, order: str) -> pd.DataFrame:
    ensure_record_retention(ctx)
    return ctx.export.con.execute(
        f"""
        SELECT record_id, patient_id, record_class, last_activity_date AS last_activity,
            retention_end, disposal_due, legal_hold, minor AS minor_at_last_activity,
            disposed_date AS disposed
        FROM record_retention WHERE {where} ORDER BY {order}, record_id
        """,
        {"first": ctx.period.first_day, "as_of": ctx.period.as_of},
    ).df()


_HELD = "created_date <= $as_of AND (disposed_date IS NULL OR disposed_date > $as_of)"


def destruction_queue(ctx) -> pd.DataFrame:
    """Officer list: records overdue or due in the next 90 days, oldest due first."""
    return _queue(
        ctx,
        f"{_HELD} AND NOT legal_hold AND disposal_due <= $as_of + 90 AND $first IS NOT NULL",
        "disposal_due",
    )


def premature_disposals(ctx) -> pd.DataFrame:
    """Officer list: records destroyed in the period before their retention end."""
    return _queue(
        ctx,
        "disposed_date BETWEEN $first AND $as_of AND disposed_date < retention_end",
        "disposed_date",
    )


def disposed_under_hold(ctx) -> pd.DataFrame:
    """Officer list: records destroyed in the period while on legal hold."""
    return _queue(ctx, "disposed_date BETWEEN $first AND $as_of AND legal_hold", "disposed_date")


def overdue_by_age(ctx) -> pd.DataFrame:
    """Records overdue for disposal at the as-of date, by class and years overdue."""
    ensure_record_retention(ctx)
    frame = ctx.export.con.execute(
        f"""
        SELECT record_class AS "record class",
            CASE WHEN $as_of - disposal_due <= 365 THEN 'up to 1 year'
                 WHEN $as_of - disposal_due <= 3 * 365 THEN '1 to 3 years'
                 ELSE 'over 3 years' END AS overdue_by,
            count(*) AS records
        FROM record_retention
        WHERE {_HELD} AND NOT legal_hold AND disposal_due < $as_of AND $first IS NOT NULL
        GROUP BY ALL
        """,
        {"first": ctx.period.first_day, "as_of": ctx.period.as_of},
    ).df()
    if frame.empty:
        return frame
    table = frame.pivot_table(
        index="record class", columns="overdue_by", values="records", fill_value=0, aggfunc="sum"
    ).reindex(columns=["up to 1 year", "1 to 3 years", "over 3 years"], fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.astype(int).reset_index()
    table.columns.name = None
    return table


def schedule_applied(ctx) -> pd.DataFrame:
    """The retention schedule of the policy, with sources."""
    p = _policy(ctx)
    rows = [
        {
            "record class": name,
            "keep at least": f"{c['keep_years']} years",
            "dispose by": f"{c['dispose_by_years']} years",
            "source": c["source"],
        }
        for name, c in p["classes"].items()
    ]
    rows.append(
        {
            "record class": "medical, patient a minor at last activity",
            "keep at least": f"until age {p['minors_until_age']}, and never less",
            "dispose by": "as above",
            "source": p["minors_source"],
        }
    )
    return pd.DataFrame(rows)


SUMMARY_COLUMNS = {
    "retention.held": "records held",
    "retention.on_legal_hold": "of which on legal hold",
    "retention.overdue_disposal": "overdue for destruction",
    "retention.due_next_90_days": "due in the next 90 days",
    "retention.disposed": "destroyed this month",
    "retention.premature_disposals": "destroyed before retention end",
    "retention.disposed_under_hold": "destroyed while on legal hold",
}


def summary_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's retention rows, one line per record class, 'all' last."""
    table = segment_table(rows, SUMMARY_COLUMNS, "record class")
    return table.astype({c: int for c in SUMMARY_COLUMNS.values()})


def index_trends(ctx) -> list:
    """The overdue destruction backlog per record class, trailing twelve months."""
    from analytics import charts

    months = ctx.period.trailing(12)
    frame = monthly_frame(ctx, months)
    title = f"Records overdue for destruction at each month end, {months[0]} to {months[-1]}"
    return [charts.count_trend(frame, "overdue_disposal", title, "records overdue (count)")]


def work_lists(ctx) -> dict:
    """The officer's lists: destruction queue, early destructions, destructions under hold."""
    return {
        "retention-destruction-queue": destruction_queue(ctx),
        "retention-destroyed-early": premature_disposals(ctx),
        "retention-destroyed-under-hold": disposed_under_hold(ctx),
    }
