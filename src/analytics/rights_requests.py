"""Rights-request SLA analytics: every HIPAA and CCPA request against its deadline.

All in DuckDB. ``request_deadlines`` derives, per request, its local dates, due date
(calendar or business days, with a valid extension), on-time flag and days to close;
the metric functions aggregate it for any list of months in one pass.

Rules (``shared/spec/policy-defaults.md``, ``metrics.md``):
- the clock starts on the local date of receipt;
- calendar due date: received date + N days; business: the N-th business day after it;
- an extension counts only if the requester was told on or before the original due date,
  and moves the due date on by the extension in the same unit;
- on time: closed local date <= due date; days to close: closed - received local date;
- open and overdue as of a date A: received on or before A, not closed by the end of A,
  due date before A.
"""

from __future__ import annotations

import pandas as pd

from analytics.business_days import calendar_span, install_calendar
from analytics.metrics import MetricRow, rate, row
from analytics.period import Period
from analytics.present import segment_table
from analytics.sql import PERIODS_CTE, has_table, period_params

CCPA_TYPES = ("know", "delete", "correct", "opt_out_sale_share", "limit_sensitive")
COMPLIED = ("fulfilled", "partial")


def _install_policy(ctx) -> None:
    """Load the policy's deadlines and the business-day calendar into the connection."""
    con = ctx.export.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE deadline_policy (regime VARCHAR, request_type VARCHAR, "
        "days INTEGER, unit VARCHAR, extension INTEGER, source VARCHAR)"
    )
    con.executemany(
        "INSERT INTO deadline_policy VALUES (?, ?, ?, ?, ?, ?)",
        [
            (d["regime"], d["request_type"], d["days"], d["unit"], d["extension"], d["source"])
            for d in ctx.policy.deadlines
        ],
    )
    lo, hi = con.execute(
        "SELECT min(timezone(?, received_at))::DATE, max(timezone(?, received_at))::DATE "
        "FROM requests",
        [ctx.timezone, ctx.timezone],
    ).fetchall()[0]
    first, last = calendar_span(lo, max(filter(None, [hi, ctx.period.as_of])))
    install_calendar(con, ctx.policy, first, last)


def ensure_request_deadlines(ctx) -> None:
    """Create the per-request table ``request_deadlines`` once per connection."""
    con = ctx.export.con
    if has_table(con, "request_deadlines"):
        return
    _install_policy(ctx)
    ack = ctx.policy.acknowledgment
    tz = ctx.timezone
    con.execute(
        """
        CREATE TEMP TABLE request_deadlines AS
        WITH r AS (
            SELECT q.*,
                timezone($tz, received_at)::DATE AS received_date,
                timezone($tz, closed_at)::DATE AS closed_date,
                timezone($tz, extended_at)::DATE AS extended_date,
                timezone($tz, acknowledged_at)::DATE AS acknowledged_date
            FROM requests q
        ), p AS (
            -- the most specific policy row: a regime's own entry before the '*' entry
            SELECT r.*, d.days, d.unit, d.extension, d.source AS deadline_source
            FROM r LEFT JOIN deadline_policy d
              ON d.request_type = r.request_type AND d.regime IN (r.regime, '*')
            QUALIFY row_number() OVER (
                PARTITION BY r.request_id ORDER BY (d.regime = '*')) = 1
        ), start AS (
            SELECT p.*, c.bd_seq AS received_seq
            FROM p LEFT JOIN business_calendar c ON c.day = p.received_date
        ), due0 AS (
            SELECT s.*,
                CASE WHEN s.unit = 'calendar' THEN s.received_date + s.days
                     ELSE (SELECT min(day) FROM business_calendar b
                           WHERE b.is_business_day AND b.bd_seq = s.received_seq + s.days)
                END AS original_due_date
            FROM start s
        ), ext AS (
            SELECT d.*,
                coalesce(d.extension > 0 AND d.extended_date IS NOT NULL
                         AND d.extended_date <= d.original_due_date, false) AS valid_extension
            FROM due0 d
        ), dated AS (
        SELECT e.*,
            CASE WHEN NOT e.valid_extension THEN e.original_due_date
                 WHEN e.unit = 'calendar' THEN e.original_due_date + e.extension
                 ELSE (SELECT min(day) FROM business_calendar b
                       WHERE b.is_business_day
                         AND b.bd_seq = e.received_seq + e.days + e.extension)
            END AS due_date,
            CASE WHEN e.regime = $ack_regime AND list_contains($ack_types, e.request_type)
                 THEN CASE WHEN $ack_unit = 'calendar' THEN e.received_date + $ack_days
                      ELSE (SELECT min(day) FROM business_calendar b
                            WHERE b.is_business_day AND b.bd_seq = e.received_seq + $ack_days)
                      END
            END AS ack_due_date,
            e.closed_date - e.received_date AS days_to_close
        FROM ext e
        )
        SELECT *, closed_date <= due_date AS on_time FROM dated
        """,
        {
            "tz": tz,
            "ack_regime": ack["regime"],
            "ack_types": list(ack["request_types"]),
            "ack_unit": ack["unit"],
            "ack_days": ack["days"],
        },
    )


def monthly_frame(ctx, periods: list[Period]) -> pd.DataFrame:
    """Per period and segment (request type or 'all'): every monthly request figure."""
    ensure_request_deadlines(ctx)
    return ctx.export.con.execute(
        f"""
        WITH {PERIODS_CTE},
        segments AS (SELECT DISTINCT request_type AS segment FROM request_deadlines
                     UNION SELECT 'all'),
        tagged AS (
            SELECT r.*, s.segment FROM request_deadlines r
            JOIN segments s ON s.segment IN (r.request_type, 'all')
        ),
        grid AS (SELECT p.*, s.segment FROM periods p, segments s),
        j AS (
            SELECT g.period, g.segment, g.first_day, g.as_of, t.*,
                t.closed_date BETWEEN g.first_day AND g.as_of
                    AND t.outcome <> 'withdrawn' AS is_closed,
                t.regime = $ack_regime AND list_contains($ack_types, t.request_type)
                    AS ack_applies
            FROM grid g LEFT JOIN tagged t USING (segment)
        )
        SELECT period, segment,
            count(*) FILTER (received_date BETWEEN first_day AND as_of) AS received,
            count(*) FILTER (is_closed) AS closed,
            count(*) FILTER (closed_date BETWEEN first_day AND as_of
                             AND outcome = 'withdrawn') AS withdrawn,
            count(*) FILTER (is_closed AND on_time) AS closed_on_time,
            count(*) FILTER (is_closed AND valid_extension) AS extended,
            count(*) FILTER (received_date <= as_of
                             AND (closed_date IS NULL OR closed_date > as_of)
                             AND due_date < as_of) AS open_overdue,
            median(days_to_close) FILTER (is_closed) AS median_days_to_close,
            count(*) FILTER (is_closed AND ack_applies) AS ack_population,
            count(*) FILTER (is_closed AND ack_applies
                AND least(acknowledged_date, closed_date) <= ack_due_date) AS ack_on_time
        FROM j GROUP BY period, segment ORDER BY period, segment
        """,
        {
            **period_params(ctx.timezone, periods),
            "ack_regime": ctx.policy.acknowledgment["regime"],
            "ack_types": list(ctx.policy.acknowledgment["request_types"]),
        },
    ).df()


def ccpa_frame(ctx) -> pd.DataFrame:
    """The 11 CCR 7102 table, year to date through the as-of date, per CCPA type and 'all'."""
    ensure_request_deadlines(ctx)
    year_start = ctx.period.first_day.replace(month=1)
    return ctx.export.con.execute(
        """
        WITH y AS (
            SELECT * FROM request_deadlines
            WHERE regime = 'ccpa' AND list_contains($types, request_type)
              AND received_date BETWEEN $start AND $as_of
        ), segments AS (SELECT DISTINCT request_type AS segment FROM y UNION SELECT 'all'),
        tagged AS (
            SELECT y.*, s.segment FROM y JOIN segments s ON s.segment IN (y.request_type, 'all')
        ), closed AS (
            SELECT *, closed_date <= $as_of AND outcome IN ('fulfilled', 'partial', 'denied')
                AS answered FROM tagged
        )
        SELECT segment,
            count(*) AS received,
            count(*) FILTER (answered AND outcome IN ('fulfilled', 'partial')) AS complied,
            count(*) FILTER (answered AND outcome = 'denied') AS denied,
            count(*) FILTER (answered AND outcome = 'denied' AND denial_reason = 'exempt_phi')
                AS denied_exempt_phi,
            median(days_to_close) FILTER (answered) AS median_days,
            avg(days_to_close) FILTER (answered) AS mean_days
        FROM closed GROUP BY segment ORDER BY segment = 'all', segment
        """,
        {"types": list(CCPA_TYPES), "start": year_start, "as_of": ctx.period.as_of},
    ).df()


def denial_reasons(ctx) -> pd.DataFrame:
    """Denials closed in the period, by regime and reason."""
    ensure_request_deadlines(ctx)
    return ctx.export.con.execute(
        """
        SELECT regime, coalesce(denial_reason, '(none given)') AS denial_reason,
            count(*) AS requests
        FROM request_deadlines
        WHERE outcome = 'denied' AND closed_date BETWEEN ? AND ?
        GROUP BY ALL ORDER BY regime, requests DESC, denial_reason
        """,
        [ctx.period.first_day, ctx.period.as_of],
    ).df()


AGING_BUCKETS = (
    "not yet due",
    "1-7 days past due",
    "8-30 days past due",
    "31-90 days past due",
    "over 90 days past due",
)


def open_aging(ctx) -> pd.DataFrame:
    """Requests open at the end of the as-of date, by request type and days past due."""
    ensure_request_deadlines(ctx)
    frame = ctx.export.con.execute(
        """
        SELECT request_type,
            CASE WHEN due_date >= $as_of THEN 'not yet due'
                 WHEN $as_of - due_date <= 7 THEN '1-7 days past due'
                 WHEN $as_of - due_date <= 30 THEN '8-30 days past due'
                 WHEN $as_of - due_date <= 90 THEN '31-90 days past due'
                 ELSE 'over 90 days past due' END AS bucket,
            count(*) AS requests
        FROM request_deadlines
        WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
        GROUP BY ALL
        """,
        {"as_of": ctx.period.as_of},
    ).df()
    if frame.empty:
        return pd.DataFrame(columns=["request type", *AGING_BUCKETS, "total"])
    table = frame.pivot_table(
        index="request_type", columns="bucket", values="requests", aggfunc="sum", fill_value=0
    ).reindex(columns=list(AGING_BUCKETS), fill_value=0)
    table["total"] = table.sum(axis=1)
    table.loc["all"] = table.sum()
    table = table.astype(int).reset_index().rename(columns={"request_type": "request type"})
    table.columns.name = None
    return table


def overdue_queue(ctx) -> pd.DataFrame:
    """The officer's work list: each open overdue request, most overdue first."""
    ensure_request_deadlines(ctx)
    return ctx.export.con.execute(
        """
        SELECT request_id, request_type, regime, patient_id, received_date AS received,
            due_date AS due, $as_of - due_date AS days_overdue,
            CASE WHEN valid_extension THEN 'yes' WHEN extended_date IS NOT NULL
                 THEN 'notified too late' ELSE 'no' END AS extension
        FROM request_deadlines
        WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
          AND due_date < $as_of
        ORDER BY days_overdue DESC, request_id
        """,
        {"as_of": ctx.period.as_of},
    ).df()


def closed_late(ctx) -> pd.DataFrame:
    """Requests closed in the period after their due date."""
    ensure_request_deadlines(ctx)
    return ctx.export.con.execute(
        """
        SELECT request_id, request_type, regime, received_date AS received, due_date AS due,
            closed_date AS closed, closed_date - due_date AS days_late, outcome,
            CASE WHEN valid_extension THEN 'yes' WHEN extended_date IS NOT NULL
                 THEN 'notified too late' ELSE 'no' END AS extension
        FROM request_deadlines
        WHERE closed_date BETWEEN ? AND ? AND outcome <> 'withdrawn' AND NOT on_time
        ORDER BY days_late DESC, request_id
        """,
        [ctx.period.first_day, ctx.period.as_of],
    ).df()


def deadlines_applied(ctx) -> pd.DataFrame:
    """The policy's deadlines as applied, with their sources, for the report's reader."""
    ack = ctx.policy.acknowledgment
    rows = [
        {
            "regime": "either" if d["regime"] == "*" else d["regime"],
            "request type": d["request_type"],
            "deadline": f"{d['days']} {d['unit']} days",
            "extension": f"{d['extension']} {d['unit']} days" if d["extension"] else "none",
            "source": d["source"],
        }
        for d in ctx.policy.deadlines
    ]
    rows.append(
        {
            "regime": ack["regime"],
            "request type": "acknowledgment of " + ", ".join(ack["request_types"]),
            "deadline": f"{ack['days']} {ack['unit']} days",
            "extension": "none",
            "source": ack["source"],
        }
    )
    return pd.DataFrame(rows)


def _num(value):
    """A DuckDB/pandas scalar as a JSON number, None for missing."""
    if value is None or pd.isna(value):
        return None
    return (
        int(value) if float(value).is_integer() and not isinstance(value, float) else float(value)
    )


def metric_rows(frame: pd.DataFrame, ccpa: pd.DataFrame, ack_types: list[str]) -> list[MetricRow]:
    """Metric rows for one period from its monthly and CCPA frames."""
    out: list[MetricRow] = []
    counts = ("received", "closed", "withdrawn", "closed_on_time", "extended", "open_overdue")
    for name in counts:
        out += [
            row(f"requests.{name}", int(getattr(r, name)), r.segment) for r in frame.itertuples()
        ]
    for r in frame.itertuples():
        out.append(
            row("requests.on_time_rate", rate(int(r.closed_on_time), int(r.closed)), r.segment)
        )
    for r in frame.itertuples():
        out.append(row("requests.median_days_to_close", _num(r.median_days_to_close), r.segment))
    for r in frame.itertuples():
        if r.segment == "all" or r.segment in ack_types:
            out.append(
                row(
                    "requests.ack_on_time_rate",
                    rate(int(r.ack_on_time), int(r.ack_population)),
                    r.segment,
                )
            )
    for r in ccpa.itertuples():
        for name in ("received", "complied", "denied", "denied_exempt_phi"):
            out.append(row(f"ccpa.{name}", int(getattr(r, name)), r.segment))
        out.append(row("ccpa.median_days", _num(r.median_days), r.segment))
        out.append(row("ccpa.mean_days", _num(r.mean_days), r.segment))
    return out


def metrics(ctx) -> list[MetricRow]:
    """Every request metric of metrics.md for the context's period."""
    frame = monthly_frame(ctx, [ctx.period])
    return metric_rows(frame, ccpa_frame(ctx), list(ctx.policy.acknowledgment["request_types"]))


def on_time_trend(ctx, months: int = 12) -> pd.DataFrame:
    """On-time rate per request type and pooled, for the trailing months (one pass)."""
    frame = monthly_frame(ctx, ctx.period.trailing(months))
    frame["on_time_rate"] = [
        rate(int(c), int(n)) for c, n in zip(frame["closed_on_time"], frame["closed"], strict=True)
    ]
    return frame


SUMMARY_COLUMNS = {
    "requests.received": "received",
    "requests.closed": "closed",
    "requests.closed_on_time": "closed on time",
    "requests.on_time_rate": "on-time rate",
    "requests.extended": "extended (valid)",
    "requests.withdrawn": "withdrawn",
    "requests.open_overdue": "open and overdue",
    "requests.median_days_to_close": "median days to close",
    "requests.ack_on_time_rate": "acknowledged on time",
}


def summary_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's request metric rows as one line per request type, 'all' last."""
    table = segment_table(rows, SUMMARY_COLUMNS, "request type")
    for col in ("on-time rate", "acknowledged on time"):
        table[col] = [None if pd.isna(v) else f"{v:.0%}" for v in table[col]]
    for col in (
        "received",
        "closed",
        "closed on time",
        "extended (valid)",
        "withdrawn",
        "open and overdue",
    ):
        table[col] = table[col].astype("Int64")
    return table


CCPA_COLUMNS = {
    "ccpa.received": "received",
    "ccpa.complied": "complied with in whole or in part",
    "ccpa.denied": "denied",
    "ccpa.denied_exempt_phi": "of which denied as PHI exempt (1798.146)",
    "ccpa.median_days": "median days to respond",
    "ccpa.mean_days": "mean days to respond",
}


def ccpa_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The 11 CCR 7102 metric rows as a table, one line per CCPA type."""
    table = segment_table(rows, CCPA_COLUMNS, "request type")
    table["mean days to respond"] = table["mean days to respond"].astype(float).round(1)
    for col in list(CCPA_COLUMNS.values())[:4]:
        table[col] = table[col].astype("Int64")
    return table


def index_trends(ctx) -> list:
    """The on-time rate per request type and pooled, trailing twelve months."""
    from analytics import charts

    frame = on_time_trend(ctx)
    months = ctx.period.trailing(12)
    title = (
        f"Requests answered on time, by type, {months[0]} to {months[-1]} "
        "(closed on or before the policy due date)"
    )
    return [charts.rate_trend(frame, "on_time_rate", "closed", title, "on-time rate")]


def work_lists(ctx) -> dict:
    """The officer's lists: open and overdue requests, and requests answered late."""
    return {"requests-open-overdue": overdue_queue(ctx), "requests-closed-late": closed_late(ctx)}
