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
from analytics.sql import PERIODS_CTE, in_month, month_buckets, period_params


def _policy(ctx) -> dict:
    return ctx.policy.data["disclosures"]


def ensure_disclosure_checks(ctx) -> None:
    """Create the view ``disclosure_checks``: every disclosure with its rule flags.

    A view, not a table: a health system makes ten million disclosures a year and each
    query reads only a month of them (filter on ``disclosed_at`` so the scan can skip).
    """
    policy = _policy(ctx)
    con = ctx.export.con
    # a view cannot bind parameters: the policy's values go in a one-row table, and each
    # BAA's first and last day become instants in the clinic's zone
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _disclosure_policy AS "
        "SELECT $tz AS tz, $exempt::VARCHAR[] AS exempt, $needs_auth::VARCHAR[] AS needs_auth",
        {
            "tz": ctx.timezone,
            "exempt": list(policy["non_accountable_purposes"]),
            "needs_auth": list(policy["authorization_required_purposes"]),
        },
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _vendor_baa AS
        SELECT vendor_id, timezone($tz, baa_signed_on::TIMESTAMP) AS baa_from,
            timezone($tz, baa_ended_on::TIMESTAMP) AS baa_until
        FROM vendors
        """,
        {"tz": ctx.timezone},
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW disclosure_checks AS
        SELECT d.*, timezone(p.tz, d.disclosed_at)::DATE AS disclosed_date,
            NOT (d.recipient_type = 'patient' OR d.authorization_id IS NOT NULL
                 OR list_contains(p.exempt, d.purpose)) AS accountable,
            d.recipient_type = 'business_associate' AS to_business_associate,
            -- in effect on the disclosure's local date: signed on or before it, and not
            -- ended on or before it (baa_ended_on is the first day without)
            d.recipient_type = 'business_associate' AND NOT EXISTS (
                SELECT 1 FROM _vendor_baa v
                WHERE v.vendor_id = d.vendor_id AND v.baa_from <= d.disclosed_at
                  AND (v.baa_until IS NULL OR v.baa_until > d.disclosed_at)
            ) AS ba_without_baa,
            list_contains(p.needs_auth, d.purpose) AND d.authorization_id IS NULL
                AS marketing_without_authorization,
            list_contains(string_split(d.data_categories, ','), 'sms_phone')
                AND d.recipient_type <> 'patient' AS sms_data_shared
        FROM disclosures d CROSS JOIN _disclosure_policy p
        """
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
    months = month_buckets("disclosed_at", ctx.timezone, periods)
    return ctx.export.con.execute(
        f"""
        WITH {PERIODS_CTE},
        segments AS (SELECT DISTINCT purpose AS segment FROM disclosures UNION SELECT 'all'),
        counted AS (
            SELECT period,
                CASE WHEN grouping(purpose) = 1 THEN 'all' ELSE purpose END AS segment,
                count(*) AS total,
                count(*) FILTER (accountable) AS accountable,
                count(*) FILTER (ba_without_baa) AS ba_without_baa,
                count(*) FILTER (marketing_without_authorization)
                    AS marketing_without_authorization,
                count(*) FILTER (sms_data_shared) AS sms_data_shared,
                count(*) FILTER (to_business_associate) AS to_business_associates
            FROM (SELECT {months.label} AS period, purpose, accountable, ba_without_baa,
                      marketing_without_authorization, sms_data_shared, to_business_associate
                  FROM disclosure_checks WHERE {months.within})
            GROUP BY GROUPING SETS ((period, purpose), (period))
        )
        SELECT p.period, s.segment,
            coalesce(total, 0) AS total, coalesce(accountable, 0) AS accountable,
            coalesce(ba_without_baa, 0) AS ba_without_baa,
            coalesce(marketing_without_authorization, 0) AS marketing_without_authorization,
            coalesce(sms_data_shared, 0) AS sms_data_shared,
            coalesce(to_business_associates, 0) AS to_business_associates
        FROM periods p CROSS JOIN segments s
        LEFT JOIN counted c ON c.period = p.period AND c.segment = s.segment
        ORDER BY p.period, s.segment = 'all', s.segment
        """,
        {**period_params(ctx.timezone, periods), **months.params},
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
    periods = ctx.period.trailing(months)
    buckets = month_buckets("disclosed_at", ctx.timezone, periods)
    return ctx.export.con.execute(
        f"""
        WITH {PERIODS_CTE},
        types AS (SELECT DISTINCT recipient_type FROM disclosures),
        counted AS (
            SELECT {buckets.label} AS period, recipient_type, count(*) AS disclosures
            FROM disclosures WHERE {buckets.within} GROUP BY ALL
        )
        SELECT p.period, t.recipient_type AS segment, coalesce(c.disclosures, 0) AS disclosures
        FROM periods p CROSS JOIN types t
        LEFT JOIN counted c ON c.period = p.period AND c.recipient_type = t.recipient_type
        ORDER BY p.period, t.recipient_type
        """,
        {**period_params(ctx.timezone, periods), **buckets.params},
    ).df()


def _list(ctx, where: str) -> pd.DataFrame:
    ensure_disclosure_checks(ctx)
    month, params = in_month("disclosed_at", ctx.timezone, ctx.period)
    return ctx.export.con.execute(
        f"""
        SELECT disclosure_id, patient_id, disclosed_date AS disclosed, recipient_name,
            recipient_type, purpose, data_categories, vendor_id, authorization_id
        FROM disclosure_checks
        WHERE {month} AND {where}
        ORDER BY disclosed_at, disclosure_id
        """,
        params,
    ).df()


def problem_list(ctx) -> pd.DataFrame:
    """Officer list: the month's disclosures that broke a rule, with the rule named."""
    frame = _list(ctx, "(ba_without_baa OR marketing_without_authorization OR sms_data_shared)")
    if frame.empty:
        return frame
    month, params = in_month("disclosed_at", ctx.timezone, ctx.period)
    checks = ctx.export.con.execute(
        f"""
        SELECT disclosure_id, ba_without_baa, marketing_without_authorization, sms_data_shared
        FROM disclosure_checks WHERE {month}
        """,
        params,
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
    month, params = in_month("disclosed_at", ctx.timezone, ctx.period)
    return ctx.export.con.execute(
        f"""
        SELECT v.vendor_id, v.name, v.baa_signed_on, v.baa_ended_on,
            count(c.disclosure_id) AS disclosures_this_month,
            count(c.disclosure_id) FILTER (c.ba_without_baa) AS without_baa
        FROM vendors v LEFT JOIN (SELECT * FROM disclosure_checks WHERE {month}) c
            ON c.vendor_id = v.vendor_id
        GROUP BY ALL ORDER BY v.vendor_id
        """,
        params,
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
