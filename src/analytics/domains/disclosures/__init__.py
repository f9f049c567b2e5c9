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

from dataclasses import dataclass, field

import pandas as pd

from analytics.contract import DISCLOSURES
from analytics.figures import MetricRow, Trend, month_of, row, segment_table
from analytics.loading.context import ReportContext, by_month, per_month, per_months
from analytics.loading.derived import Derived, query
from analytics.period import Period
from analytics.policy import Target

NAME = "disclosures"
# the export tables its figures read: a tile of this domain is no better than they are
SOURCE_TABLES: tuple[str, ...] = ("disclosures",)
PURPOSES = DISCLOSURES.column("purpose").codes or ()
# every metric this domain writes to metrics.json (names of shared/spec/metrics.md)
METRICS = (
    "disclosures.total",
    "disclosures.accountable",
    "disclosures.ba_without_baa",
    "disclosures.marketing_without_authorization",
    "disclosures.sms_data_shared",
    "disclosures.to_business_associates",
)


@dataclass(frozen=True)
class DisclosuresPolicy:
    """The policy's ``[disclosures]`` section: which purposes are accountable, which need
    an authorization, and the accounting's look-back."""

    non_accountable_purposes: list[str] = field(metadata={"choices": PURPOSES})
    non_accountable_source: str = field()
    accounting_lookback_years: int = field()
    accounting_source: str = field()
    authorization_required_purposes: list[str] = field(metadata={"choices": PURPOSES})
    authorization_source: str = field()
    baa_source: str = field()
    sms_numbers_source: str = "the clinic's notice"
    targets: list[Target] = field(default_factory=list)


def policy(ctx: ReportContext) -> DisclosuresPolicy:
    return ctx.policy.section(NAME, DisclosuresPolicy)


def _params(ctx: ReportContext) -> dict:
    section = policy(ctx)
    return {
        "tz": ctx.timezone,
        "exempt": list(section.non_accountable_purposes),
        "needs_auth": list(section.authorization_required_purposes),
    }


DISCLOSURE_PARAMS = Derived("disclosure_params", package=__name__, params=_params)
VENDOR_BAA = Derived("vendor_baa", package=__name__, params=lambda ctx: {"tz": ctx.timezone})
DISCLOSURE_CHECKS = Derived(
    "disclosure_checks", kind="view", package=__name__, depends=(DISCLOSURE_PARAMS, VENDOR_BAA)
)


def checked_query(ctx: ReportContext, name: str, params: dict | None = None, **kw) -> pd.DataFrame:
    """Run this domain's query ``name`` once ``disclosure_checks`` is in place."""
    return query(ctx, __name__, name, params, needs=(DISCLOSURE_CHECKS,), **kw)


@by_month
def monthly_frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
    """Per period and purpose (and 'all'): every disclosure figure, in one pass."""
    return checked_query(
        ctx, "disclosures_monthly", months=periods, grid=("disclosures", "purpose")
    )


COUNTS = (
    "total",
    "accountable",
    "ba_without_baa",
    "marketing_without_authorization",
    "sms_data_shared",
    "to_business_associates",
)


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every disclosure metric of metrics.md for each of ``periods``, in one query."""
    frame = monthly_frame(ctx, periods)
    return {
        str(p): [
            row(f"disclosures.{name}", int(getattr(r, name)), r.segment)
            for name in COUNTS
            for r in month_of(frame, p).itertuples()
        ]
        for p in periods
    }


def recipients_by_type(ctx: ReportContext, months: int = 12) -> pd.DataFrame:
    """Disclosures per recipient type and month over the trailing months."""
    return query(ctx, __name__, "recipients_by_type", months=ctx.period.trailing(months))


def problem_list(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: the month's disclosures that broke a rule, with the rule named."""
    return checked_query(ctx, "disclosure_problems", months=[ctx.period])


def vendors_baa(ctx: ReportContext) -> pd.DataFrame:
    """Each vendor's BAA dates and its disclosures this month (with and without a BAA)."""
    return checked_query(ctx, "vendors_baa", months=[ctx.period])


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The disclosure rules of the policy, with their sources, for the report's reader."""
    p = policy(ctx)
    exempt = ", ".join(x.replace("_", " ") for x in p.non_accountable_purposes)
    needs = ", ".join(x.replace("_", " ") for x in p.authorization_required_purposes)
    return pd.DataFrame(
        [
            {
                "rule": "a disclosure is accountable unless made to the patient, under a "
                f"signed authorization, or for: {exempt}",
                "source": p.non_accountable_source,
            },
            {
                "rule": "a disclosure to a business associate needs a BAA in effect on its "
                "local date (signed on or before it, not ended on or before it)",
                "source": p.baa_source,
            },
            {
                "rule": f"a disclosure for {needs} needs the patient's signed authorization",
                "source": p.authorization_source,
            },
            {
                "rule": "SMS phone numbers are shared with no one but the patient",
                "source": p.sms_numbers_source,
            },
            {
                "rule": "an accounting lists the accountable disclosures of the "
                f"{p.accounting_lookback_years} years before the request",
                "source": p.accounting_source,
            },
        ]
    )


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


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Disclosures by recipient type, trailing twelve months."""
    months = ctx.period.trailing(12)
    title = f"Disclosures by recipient type, {months[0]} to {months[-1]}"
    return [Trend("count", recipients_by_type(ctx), title, "disclosures (count)", "disclosures")]


def work_lists(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The officer's list: the month's disclosures that broke a rule."""
    return {"disclosures-problems": problem_list(ctx)}
