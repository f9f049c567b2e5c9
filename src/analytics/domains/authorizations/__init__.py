"""Authorizations: whether the patient's authorization behind a disclosure allows it.

From the optional ``authorizations`` log (``shared/spec/domains/authorizations.md``), in
DuckDB:
- each authorization in use gets the first of six defects that holds
  (``authorization_checks.sql``): no purpose, no recipient, no information, no end date,
  a sale without the remuneration statement, an MHMDA authorization longer than a year;
- each disclosure citing one gets the first of seven reasons it is not validly
  authorized (``disclosures_authorized.sql``): unknown, another patient's, before the
  signature, on or after the revocation, after the end date, out of scope, defective;
- a sale of a Washington consumer's data (``patients.state``) needs a valid MHMDA
  authorization (RCW 19.373.070).

With the log present, a disclosure under an authorization that is not valid is
accountable (the disclosures domain reads ``disclosures_authorized``); without it, every
v1 figure is computed as v1 defines it, and this domain's figures are omitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.compute.declare import Cause, Domain, Summary, WorkList, monthly
from analytics.compute.memo import per_month, per_months
from analytics.compute.queries import Queries, view
from analytics.figures import MetricRow, Trend, month_of, row, rules_table
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.policy import Target

NAME = "authorizations"
LOGS: dict[str, tuple[str, ...]] = {NAME: ("authorizations",)}
# the defects of an authorization and the reasons a disclosure is not validly
# authorized, each in the spec's order: one takes the first that holds
DEFECTS = (
    "no_purpose",
    "no_recipient",
    "no_information",
    "no_end_date",
    "remuneration_not_stated",
    "over_one_year",
)
REASONS = (
    "unknown",
    "other_patient",
    "before_signature",
    "revoked",
    "expired",
    "out_of_scope",
    "defective",
)
DEFECT_WORDS = {
    "no_purpose": "it names no purpose",
    "no_recipient": "it names no recipient",
    "no_information": "it names no information to disclose",
    "no_end_date": "it states no end date",
    "remuneration_not_stated": "it allows a sale without stating that the clinic is paid",
    "over_one_year": "a Washington authorization to sell may last at most one year",
}
REASON_WORDS = {
    "unknown": "it cites an authorization that is not on file",
    "other_patient": "the authorization it cites was signed by another patient",
    "before_signature": "it was made before the authorization was signed",
    "revoked": "it was made on or after the authorization was revoked",
    "expired": "it was made after the authorization's end date",
    "out_of_scope": "the authorization does not cover its purpose, recipient or information",
    "defective": "the authorization itself is defective",
}
# every metric this domain writes to metrics.json (shared/spec/domains/authorizations.md)
METRICS = (
    "authorizations.signed",
    "authorizations.revoked",
    "authorizations.defective",
    "authorizations.expiring_next_30_days",
    "authorizations.disclosures_checked",
    "authorizations.disclosures_invalid",
    "authorizations.wa_sales_without_mhmda",
)


@dataclass(frozen=True)
class AuthorizationsPolicy:
    """The policy's ``[authorizations]`` section: the sources of the rules, the horizon of
    the renewal list and the longest a Washington authorization to sell may last."""

    validity_source: str
    end_date_source: str
    remuneration_source: str
    revocation_source: str
    mhmda_years: int = field()
    mhmda_source: str = field()
    expiring_days: int = field()
    expiring_source: str = field()
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.expiring_days != 30:
            # the metric's name says 30 days: another horizon would change it silently
            raise ValueError(
                "expiring_days must be 30: the metric authorizations.expiring_next_30_days "
                "is named for it"
            )
        if self.mhmda_years < 1:
            raise ValueError("mhmda_years must be at least 1")


def _bindings(ctx: ReportContext) -> dict:
    p: AuthorizationsPolicy = DOMAIN.policy(ctx)
    return {
        "checked": not ctx.missing_logs(LOGS[NAME]),
        "horizon": p.expiring_days,
        "mhmda_years": p.mhmda_years,
        "defects": list(DEFECTS),
        "reasons": list(REASONS),
    }


QUERIES = Queries(
    __name__,
    derived=(
        "authorization_params",
        "authorization_checks",
        "washington_consumers",
        "checked_purposes",
        # over every disclosure: each query reads the months it needs of it
        view("disclosures_authorized"),
    ),
    bindings=_bindings,
)
# Per period: every figure of the domain, long (figure, period, segment, value).
monthly_frame = monthly(QUERIES, "authorizations_monthly")


def _month(frame: pd.DataFrame) -> list[MetricRow]:
    out = []
    for metric in METRICS:
        part = frame[frame["figure"] == metric.split(".")[1]]
        out += [row(metric, int(r.value), r.segment) for r in part.itertuples()]
    return out


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every authorizations metric of the spec for each of ``periods``, in one query;
    none when the export has no authorizations log."""
    if ctx.missing_logs(LOGS[NAME]):
        return {str(p): [] for p in periods}
    frame = monthly_frame(ctx, periods)
    return {str(p): _month(month_of(frame, p)) for p in periods}


def headline(ctx: ReportContext, rows: list[MetricRow]) -> str:
    """What needs action, in one sentence."""
    if ctx.missing_logs(LOGS[NAME]):
        return DOMAIN.no_log_text(ctx)
    value = {(r["metric"], r["segment"]): r["value"] for r in rows}
    invalid = value[("authorizations.disclosures_invalid", "all")]
    checked = value[("authorizations.disclosures_checked", "all")]
    wa = value[("authorizations.wa_sales_without_mhmda", "all")]
    defective = value[("authorizations.defective", "all")]
    expiring = value[("authorizations.expiring_next_30_days", "all")]
    return (
        f"In {ctx.period}: {invalid} of {checked} disclosures citing an authorization were "
        f"not validly authorized; {wa} sales of Washington consumers' data had no valid MHMDA "
        f"authorization; {defective} defective authorizations were signed; {expiring} "
        f"authorizations end in the {DOMAIN.policy(ctx).expiring_days} days after "
        f"{ctx.period.as_of}."
    )


def _coded_table(rows: list[MetricRow], metric: str, words: dict[str, str], head: str):
    """A month's counts of ``metric`` by each code of ``words`` (0 where none occurred), in
    the spec's order, with the code in words, 'all' last."""
    value = {r["segment"]: r["value"] for r in rows if r["metric"] == metric}
    lines = [{head: code, "meaning": words[code], "count": value.get(code, 0)} for code in words]
    lines.append({head: "all", "meaning": "", "count": value.get("all")})
    return pd.DataFrame(lines).astype({"count": "Int64"})


def reasons_table(rows: list[MetricRow]) -> pd.DataFrame:
    """Disclosures not validly authorized, by reason (the first that applies)."""
    return _coded_table(rows, "authorizations.disclosures_invalid", REASON_WORDS, "reason")


def defects_table(rows: list[MetricRow]) -> pd.DataFrame:
    """Authorizations signed in the month that are defective, by defect."""
    return _coded_table(rows, "authorizations.defective", DEFECT_WORDS, "defect")


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The rules as applied, each with its source."""
    p: AuthorizationsPolicy = DOMAIN.policy(ctx)
    return rules_table(
        (
            "valid authorization",
            "signed before the disclosure, not revoked, not past its end date, naming the "
            "recipient, the purpose and the information disclosed",
            p.validity_source,
        ),
        ("end date", "a specific date; a disclosure on that date is allowed", p.end_date_source),
        (
            "sale",
            "an authorization allowing a sale states that the clinic is paid",
            p.remuneration_source,
        ),
        (
            "revocation",
            "from the instant the written revocation is received, no disclosure",
            p.revocation_source,
        ),
        (
            "Washington consumers",
            f"a sale of a WA patient's data needs an MHMDA authorization of at most "
            f"{p.mhmda_years} year{'s' if p.mhmda_years != 1 else ''}",
            p.mhmda_source,
        ),
        (
            "renewals",
            f"authorizations ending in the {p.expiring_days} days after the month's last day",
            p.expiring_source,
        ),
    )


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Disclosures not validly authorized, by reason, trailing twelve months."""
    if ctx.missing_logs(LOGS[NAME]):
        return []
    months = ctx.period.trailing(12)
    frame = QUERIES.run(ctx, "invalid_by_month", months=months)
    title = f"Disclosures not validly authorized, by reason, {months[0]} to {months[-1]}"
    target = ctx.policy.target("authorizations.disclosures_invalid")
    return [
        Trend(
            "count",
            frame,
            title,
            "disclosures (count)",
            "disclosures",
            legend="reason",
            target=target,
        )
    ]


DOMAIN = Domain(
    name=NAME,
    title="Authorizations",
    promise="Sharing and business associates",
    rule="45 CFR 164.508 and Cal. Civ. Code 56.11 (a valid authorization), 56.15 and "
    "164.508(b)(5) (revocation), RCW 19.373.070 (Washington: selling health data)",
    policy_section=AuthorizationsPolicy,
    tables=("authorizations", "disclosures", "patients"),  # the export tables it reads
    metric_names=METRICS,
    metrics=metrics,
    trends=trends,
    queries=QUERIES,
    logs=LOGS,
    causes=(Cause("invalid_reasons", "authorizations.disclosures_invalid", LOGS[NAME]),),
    lists=(
        WorkList(
            "disclosures_not_authorized",
            "Disclosures not validly authorized, {period}",
            logs=LOGS[NAME],
        ),
        WorkList(
            "wa_sales_without_mhmda",
            "Sales of Washington consumers' data without a valid MHMDA authorization, {period}",
            logs=LOGS[NAME],
        ),
        WorkList(
            "defective_authorizations",
            "Defective authorizations on file on {as_of}",
            logs=LOGS[NAME],
        ),
        WorkList(
            "expiring_authorizations",
            "Authorizations ending in the 30 days after {as_of}",
            logs=LOGS[NAME],
            standing=("authorization_id",),
        ),
    ),
    summaries={
        "regimes": Summary(
            "Authorizations by regime, {period}",
            "regime",
            {
                "authorizations.signed": "signed",
                "authorizations.revoked": "revoked",
                "authorizations.expiring_next_30_days": "ending in the next 30 days",
            },
        ),
        "checked": Summary(
            "Disclosures citing an authorization, by purpose, {period}",
            "purpose",
            {"authorizations.disclosures_checked": "disclosures checked"},
        ),
    },
)
