"""Disclosures: who received PHI, under which rule, and what the notice forbids.

Per disclosure, in DuckDB (``shared/spec/policy-defaults.md``, *Disclosures*):
- accountable (45 CFR 164.528(a)): every disclosure except to the patient, under a signed
  authorization, or for a purpose the policy lists as not accountable;
- a business associate needs a BAA in effect on the disclosure's local date: signed on or
  before it and not ended on or before it (``baa_ended_on`` is the first day without);
- marketing or sale needs the patient's authorization;
- SMS phone numbers are never shared with anyone but the patient.
"""

from __future__ import annotations

import pandas as pd

from analytics.metrics import MetricRow, row
from analytics.period import Period
from analytics.present import segment_table
from analytics.sql import PERIODS_CTE, has_table, period_params


def _policy(ctx) -> dict:
    return ctx.policy.data["disclosures"]


def ensure_disclosure_checks(ctx) -> None:
    """Create ``disclosure_checks`` (one row per disclosure with its flags), once."""
    con = ctx.export.con
    if has_table(con, "disclosure_checks"):
        return
    policy = _policy(ctx)
    con.execute(
        """
        CREATE TEMP TABLE disclosure_checks AS
        WITH d AS (
            SELECT *, timezone($tz, disclosed_at)::DATE AS disclosed_date,
                string_split(data_categories, ',') AS categories
            FROM disclosures
        )
        SELECT d.*,
            NOT (recipient_type = 'patient' OR authorization_id IS NOT NULL
                 OR list_contains($exempt, purpose)) AS accountable,
            recipient_type = 'business_associate' AS to_business_associate,
            recipient_type = 'business_associate' AND NOT EXISTS (
                SELECT 1 FROM vendors v
                WHERE v.vendor_id = d.vendor_id AND v.baa_signed_on <= d.disclosed_date
                  AND (v.baa_ended_on IS NULL OR v.baa_ended_on > d.disclosed_date)
            ) AS ba_without_baa,
            list_contains($needs_auth, purpose) AND authorization_id IS NULL
                AS marketing_without_authorization,
            list_contains(categories, 'sms_phone') AND recipient_type <> 'patient'
                AS sms_data_shared
        FROM d
        """,
        {
            "tz": ctx.timezone,
            "exempt": list(policy["non_accountable_purposes"]),
            "needs_auth": list(policy["authorization_required_purposes"]),
        },
    )


FLAGS = (
    "accountable",
    "ba_without_baa",
    "marketing_without_authorization",
    "sms_data_shared",
    "to_business_associate",
)


def monthly_frame(ctx, periods: list[Period]) -> pd.DataFrame:
    """Per period and purpose (and 'all'): every disclosure figure, in one pass."""
    ensure_disclosure_checks(ctx)
    return ctx.export.con.execute(
        f"""
        WITH {PERIODS_CTE},
        segments AS (SELECT DISTINCT purpose AS segment FROM disclosure_checks
                     UNION SELECT 'all'),
        tagged AS (
            SELECT c.*, s.segment FROM disclosure_checks c
            JOIN segments s ON s.segment IN (c.purpose, 'all')
        ),
        j AS (
            SELECT p.period, s.segment, t.*,
                t.disclosed_date BETWEEN p.first_day AND p.as_of AS in_period
            FROM periods p CROSS JOIN segments s LEFT JOIN tagged t USING (segment)
        )
        SELECT period, segment,
            count(*) FILTER (in_period) AS total,
            count(*) FILTER (in_period AND accountable) AS accountable,
            count(*) FILTER (in_period AND ba_without_baa) AS ba_without_baa,
            count(*) FILTER (in_period AND marketing_without_authorization)
                AS marketing_without_authorization,
            count(*) FILTER (in_period AND sms_data_shared) AS sms_data_shared,
            count(*) FILTER (in_period AND to_business_associate) AS to_business_associates
        FROM j GROUP BY period, segment ORDER BY period, segment = 'all', segment
        """,
        period_params(ctx.timezone, periods),
    ).df()


COUNTS = (
    "total",
    "accountable",
    "ba_without_baa",
    "marketing_without_authorization",
    "sms_data_shared",
    "to_business_associates",
)


def metrics(ctx) -> list[MetricRow]:
    """Every disclosure metric of metrics.md for the context's period."""
    frame = monthly_frame(ctx, [ctx.period])
    return [
        row(f"disclosures.{name}", int(getattr(r, name)), r.segment)
        for name in COUNTS
        for r in frame.itertuples()
    ]


def recipients_by_type(ctx, months: int = 12) -> pd.DataFrame:
    """Disclosures per recipient type and month over the trailing months."""
    ensure_disclosure_checks(ctx)
    periods = ctx.period.trailing(months)
    return ctx.export.con.execute(
        f"""
        WITH {PERIODS_CTE},
        types AS (SELECT DISTINCT recipient_type FROM disclosure_checks)
        SELECT p.period, t.recipient_type AS segment,
            count(c.disclosure_id) AS disclosures
        FROM periods p CROSS JOIN types t
        LEFT JOIN disclosure_checks c ON c.recipient_type = t.recipient_type
            AND c.disclosed_date BETWEEN p.first_day AND p.as_of
        GROUP BY ALL ORDER BY p.period, t.recipient_type
        """,
        period_params(ctx.timezone, periods),
    ).df()


def _list(ctx, where: str) -> pd.DataFrame:
    ensure_disclosure_checks(ctx)
    return ctx.export.con.execute(
        f"""
        SELECT disclosure_id, patient_id, disclosed_date AS disclosed, recipient_name,
            recipient_type, purpose, data_categories, vendor_id, authorization_id
        FROM disclosure_checks
        WHERE disclosed_date BETWEEN $first AND $as_of AND {where}
        ORDER BY disclosed_at, disclosure_id
        """,
        {"first": ctx.period.first_day, "as_of": ctx.period.as_of},
    ).df()


def problem_list(ctx) -> pd.DataFrame:
    """Officer list: the month's disclosures that broke a rule, with the rule named."""
    frame = _list(ctx, "(ba_without_baa OR marketing_without_authorization OR sms_data_shared)")
    if frame.empty:
        return frame
    checks = ctx.export.con.execute(
        """
        SELECT disclosure_id, ba_without_baa, marketing_without_authorization, sms_data_shared
        FROM disclosure_checks WHERE disclosed_date BETWEEN ? AND ?
        """,
        [ctx.period.first_day, ctx.period.as_of],
    ).df()
    merged = frame.merge(checks, on="disclosure_id")
    names = {
        "ba_without_baa": "business associate without a BAA in effect",
        "marketing_without_authorization": "marketing or sale without authorization",
        "sms_data_shared": "SMS phone number shared",
    }
    merged.insert(
        3,
        "problem",
        ["; ".join(n for k, n in names.items() if r[k]) for _, r in merged.iterrows()],
    )
    return merged.drop(columns=list(names))


def vendors_baa(ctx) -> pd.DataFrame:
    """Each vendor's BAA dates and its disclosures this month (with and without a BAA)."""
    ensure_disclosure_checks(ctx)
    return ctx.export.con.execute(
        """
        SELECT v.vendor_id, v.name, v.baa_signed_on, v.baa_ended_on,
            count(c.disclosure_id) AS disclosures_this_month,
            count(c.disclosure_id) FILTER (c.ba_without_baa) AS without_baa
        FROM vendors v LEFT JOIN disclosure_checks c ON c.vendor_id = v.vendor_id
            AND c.disclosed_date BETWEEN ? AND ?
        GROUP BY ALL ORDER BY v.vendor_id
        """,
        [ctx.period.first_day, ctx.period.as_of],
    ).df()


SUMMARY_COLUMNS = {
    "disclosures.total": "disclosures",
    "disclosures.accountable": "accountable (164.528)",
    "disclosures.to_business_associates": "to business associates",
    "disclosures.ba_without_baa": "to a business associate without a BAA",
    "disclosures.marketing_without_authorization": "marketing or sale without authorization",
    "disclosures.sms_data_shared": "SMS phone numbers shared",
}


def summary_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's disclosure rows, one line per purpose with any disclosure, 'all' last."""
    table = segment_table(rows, SUMMARY_COLUMNS, "purpose")
    table = table[(table["disclosures"] > 0) | (table["purpose"] == "all")]
    return table.astype({c: int for c in SUMMARY_COLUMNS.values()})


def notice_conflict(rows: list[MetricRow]) -> str:
    """The plain statement of the notice's 3F/7 conflict, with the month's count."""
    n = next(
        r["value"]
        for r in rows
        if r["metric"] == "disclosures.to_business_associates" and r["segment"] == "all"
    )
    return (
        "The notice's section 3F says the clinic does not share information with third-party "
        "service providers (billing services, IT providers, cloud storage) at all, while its "
        "section 7 says vendors who handle PHI sign a Business Associate Agreement. Both cannot "
        f"hold: this month the clinic made {n} disclosure{'s' if n != 1 else ''} to business "
        "associates. Either the notice's section 3F or the practice needs to change."
    )


def index_trends(ctx) -> list:
    """Disclosures by recipient type, trailing twelve months."""
    from analytics import charts

    months = ctx.period.trailing(12)
    frame = recipients_by_type(ctx)
    title = f"Disclosures by recipient type, {months[0]} to {months[-1]}"
    return [charts.count_trend(frame, "disclosures", title, "disclosures (count)")]


def work_lists(ctx) -> dict:
    """The officer's list: the month's disclosures that broke a rule."""
    return {"disclosures-problems": problem_list(ctx)}
