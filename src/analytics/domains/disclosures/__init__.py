"""Disclosures: who received PHI, under which rule, and what the notice forbids.

Per disclosure, in DuckDB (``shared/spec/policy-defaults.md``, *Disclosures*):
- accountable (45 CFR 164.528(a)): every disclosure except to the patient, under a signed
  authorization, or for a purpose the policy lists as not accountable; with the
  authorizations log in the export, "under a signed authorization" means *validly*
  authorized (``authorizations``: the authorization checked against the disclosure);
- a business associate needs a BAA in effect on the disclosure's local date: signed on or
  before it and not ended on or before it (``baa_ended_on`` is the first day without);
- marketing or sale needs the patient's authorization;
- SMS phone numbers are never shared with anyone but the patient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.compute.declare import Cause, Domain, Summary, WorkList, counts, monthly
from analytics.compute.memo import per_month
from analytics.compute.queries import Queries, view
from analytics.contract import DISCLOSURES
from analytics.domains import authorizations
from analytics.figures import MetricRow, Trend
from analytics.loading.context import ReportContext
from analytics.policy import Target

NAME = "disclosures"
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


def _bindings(ctx: ReportContext) -> dict:
    section: DisclosuresPolicy = DOMAIN.policy(ctx)
    return {
        "exempt": list(section.non_accountable_purposes),
        "needs_auth": list(section.authorization_required_purposes),
        "checked": not ctx.missing_logs(authorizations.LOGS[authorizations.NAME]),
    }


QUERIES = Queries(
    __name__,
    derived=("disclosure_params", "vendor_baa", view("disclosure_checks")),
    bindings=_bindings,
    # each disclosure with the authorization it cites checked (``disclosures_authorized``)
    uses=(authorizations.QUERIES,),
)
# Per period and purpose (and 'all'): every disclosure figure, in one pass.
monthly_frame = monthly(QUERIES, "disclosures_monthly", grid=("disclosures", "purpose"))
COUNTS = tuple(m.split(".")[1] for m in METRICS)


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The disclosure rules of the policy, with their sources, for the report's reader."""
    p: DisclosuresPolicy = DOMAIN.policy(ctx)
    exempt = ", ".join(x.replace("_", " ") for x in p.non_accountable_purposes)
    needs = ", ".join(x.replace("_", " ") for x in p.authorization_required_purposes)
    checked = not ctx.missing_logs(authorizations.LOGS[authorizations.NAME])
    under = (
        "a valid authorization (checked against the authorizations log)"
        if checked
        else "a signed authorization"
    )
    return pd.DataFrame(
        [
            {
                "rule": "a disclosure is accountable unless made to the patient, under "
                f"{under}, or for: {exempt}",
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
    frame = QUERIES.run(ctx, "recipients_by_type", months=months)
    # the month's volume by recipient: for the officer, not a figure with a target
    return [Trend("count", frame, title, "disclosures (count)", "disclosures", overview=False)]


DOMAIN = Domain(
    name=NAME,
    title="Disclosures",
    promise="Sharing and business associates",
    rule="45 CFR 164.528 (accountable), 164.502(e) (BAA in effect on the disclosure date), "
    "164.508(a)(3)-(4) (authorization for marketing or sale), the notice (no SMS numbers "
    "shared)",
    policy_section=DisclosuresPolicy,
    tables=("disclosures",),  # the export tables its figures read
    # with the log present, a disclosure under an invalid authorization is accountable
    metric_reads={"disclosures.accountable": {"authorizations": ()}},
    metric_names=METRICS,
    metrics=counts(monthly_frame, NAME, COUNTS),
    trends=trends,
    queries=QUERIES,
    causes=(Cause("vendors_without_baa", "disclosures.ba_without_baa"),),
    lists=(WorkList("disclosure_problems", "Disclosures breaking a rule, {period}"),),
    summaries={
        "purposes": Summary(
            "Disclosures, {period}",
            "purpose",
            {
                "disclosures.total": "disclosures",
                "disclosures.accountable": "accountable (164.528)",
                "disclosures.to_business_associates": "to business associates",
                "disclosures.ba_without_baa": "to a business associate without a BAA",
                "disclosures.marketing_without_authorization": "marketing or sale without "
                "authorization",
                "disclosures.sms_data_shared": "SMS phone numbers shared",
            },
            hide_zero="disclosures.total",
        )
    },
    on_request=("disclosures_accounting",),
)
