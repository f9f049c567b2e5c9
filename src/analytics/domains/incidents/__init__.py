"""Incidents and breach clocks: every notice the law requires, due when it is due.

Per incident, in DuckDB (``shared/spec/domains/incidents.md``): ``incident_notices.sql``
gives each notice an incident may owe (individuals, media, HHS, the California Attorney
General, CDPH) its due date from discovery, with California's 30-day rule from its
effective date, the HHS annual date for fewer than 500, a law-enforcement hold and business
days for the CDPH clock; ``owed_notices.sql`` judges, as of each month's last day, which
incidents are notifiable (not assessed by then: presumed a breach) and each notice's status.

The log is optional (contract v2): an export without it has "no incident log", and its
figures are omitted from ``metrics.json``, never reported as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics.compute.declare import (
    Clock,
    Domain,
    Summary,
    WorkList,
    count_rows,
    monthly,
    rate_rows,
)
from analytics.compute.memo import per_month, per_months
from analytics.compute.queries import Queries, calendar, view
from analytics.figures import MetricRow, Trend, month_of
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.policy import Target

NAME = "incidents"
# each metric prefix and the optional log it needs (absent: its metrics are omitted)
LOGS: dict[str, tuple[str, ...]] = {"incidents": ("incidents",)}
# every metric this domain writes to metrics.json (shared/spec/domains/incidents.md)
METRICS = (
    "incidents.discovered",
    "incidents.breaches",
    "incidents.unassessed_late",
    "incidents.notices_sent",
    "incidents.notices_sent_on_time",
    "incidents.notices_on_time_rate",
    "incidents.notices_overdue",
    "incidents.notices_due_next_30_days",
)
KINDS = ("individuals", "media", "hhs", "ca_ag", "cdph")
KIND_WORDS = {
    "individuals": "the affected individuals",
    "media": "prominent media outlets",
    "hhs": "HHS (the Secretary)",
    "ca_ag": "the California Attorney General (sample notice)",
    "cdph": "the California Department of Public Health",
}

# the HHS breach portal's words for a category and a location (its "type of breach" and
# "location of breached information")
HHS_TYPE = {
    "lost_device": "Loss",
    "theft": "Theft",
    "misdirected": "Unauthorized Access/Disclosure",
    "unauthorized_access": "Unauthorized Access/Disclosure",
    "hacking": "Hacking/IT Incident",
    "improper_disposal": "Improper Disposal",
    "other": "Other",
}
HHS_LOCATION = {
    "paper": "Paper/Films",
    "email": "Email",
    "ehr": "Electronic Medical Record",
    "laptop": "Laptop",
    "portable_device": "Other Portable Electronic Device",
    "network_server": "Network Server",
    "other": "Other",
}


@dataclass(frozen=True)
class IncidentsPolicy:
    """The policy's ``[incidents]`` section: every breach clock, its threshold and source."""

    assessment_days: int
    assessment_source: str
    individuals_days: int
    individuals_source: str
    ca_days: int
    ca_rule_effective: str  # ISO date "YYYY-MM-DD": discoveries from then on
    ca_source: str
    media_days: int
    media_more_than: int  # residents of one state
    media_source: str
    hhs_days: int
    hhs_at_least: int  # individuals: at once; fewer: the annual log
    hhs_annual_days: int  # days after 31 December of the year of discovery
    hhs_source: str
    ag_days: int  # after the individuals' notice
    ag_more_than: int  # California residents notified
    ag_source: str
    cdph_applies: bool
    cdph_business_days: int
    cdph_source: str
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        try:
            date.fromisoformat(self.ca_rule_effective)
        except ValueError:
            raise ValueError(
                f'ca_rule_effective {self.ca_rule_effective!r} is not a date written "YYYY-MM-DD"'
            ) from None

    @property
    def cdph_text(self) -> str:
        """Whether the CDPH clock applies under this policy, in words."""
        if self.cdph_applies:
            return "this policy says it applies"
        return "this policy says it does not: a medical spa usually is not so licensed"

    @property
    def ca_effective(self) -> date:
        return date.fromisoformat(self.ca_rule_effective)


def _bindings(ctx: ReportContext) -> dict:
    p: IncidentsPolicy = DOMAIN.policy(ctx)
    return {
        "ca_effective": p.ca_effective,
        "ca_days": p.ca_days,
        "individuals_days": p.individuals_days,
        "cdph_applies": p.cdph_applies,
        "cdph_days": p.cdph_business_days,
        "media_days": p.media_days,
        "media_more_than": p.media_more_than,
        "hhs_days": p.hhs_days,
        "hhs_at_least": p.hhs_at_least,
        "hhs_annual_days": p.hhs_annual_days,
        "ag_days": p.ag_days,
        "ag_more_than": p.ag_more_than,
        "assessment_days": p.assessment_days,
    }


QUERIES = Queries(
    __name__,
    derived=(
        calendar("incident_calendar", "incident_span"),  # the CDPH clock counts them
        "incident_params",
        "incident_notices",
        # a view over `periods`: each query of notices reads the months it set
        view("owed_notices"),
    ),
    bindings=_bindings,
)
# Per period and notice kind owed then (and 'all'): notices sent, on time, overdue and
# due within 30 days.
notices_frame = monthly(QUERIES, "notices_monthly")
# Per period and category (and 'all'): discovered, breaches, unassessed past target.
incidents_frame = monthly(QUERIES, "incidents_monthly", grid=("incidents", "category"))


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every incidents metric of the spec for each of ``periods`` (one query each for
    incidents and notices); none without a log."""
    if ctx.missing_logs(LOGS[NAME]):
        return {str(p): [] for p in periods}
    found, notices = incidents_frame(ctx, periods), notices_frame(ctx, periods)
    return {str(p): _rows(month_of(found, p), month_of(notices, p)) for p in periods}


def _rows(found: pd.DataFrame, notices: pd.DataFrame) -> list[MetricRow]:
    """A month's metric rows from its incidents and notices figures."""
    return [
        *count_rows(found, NAME, ("discovered", "breaches")),
        *count_rows(found, NAME, ("unassessed_late",), {"incidents.unassessed_late": ("all",)}),
        *count_rows(notices, NAME, ("notices_sent", "notices_sent_on_time")),
        *rate_rows(
            notices, "incidents.notices_on_time_rate", "notices_sent_on_time", "notices_sent"
        ),
        *count_rows(notices, NAME, ("notices_overdue", "notices_due_next_30_days")),
    ]


def headline(ctx: ReportContext, rows: list[MetricRow]) -> str:
    """What needs action, in one sentence: notices overdue, due soon, assessments late."""
    value = {r["metric"]: r["value"] for r in rows if r["segment"] == "all"}
    overdue = value.get("incidents.notices_overdue", 0)
    soon = value.get("incidents.notices_due_next_30_days", 0)
    late = value.get("incidents.unassessed_late", 0)
    days = DOMAIN.policy(ctx).assessment_days
    parts = [
        f"{overdue} breach notice{'s are' if overdue != 1 else ' is'} overdue",
        f"{soon} fall{'s' if soon == 1 else ''} due in the next 30 days",
        f"{late} incident{'s are' if late != 1 else ' is'} not risk-assessed {days} days "
        "after discovery",
    ]
    return f"On {ctx.period.as_of}: " + "; ".join(parts) + "."


def annual_log_due(ctx: ReportContext, year: int) -> date:
    """When the annual log of ``year``'s small breaches is due at HHS: the policy's days
    after 31 December (1 March, or 29 February in a leap year)."""
    return date.fromordinal(date(year, 12, 31).toordinal() + DOMAIN.policy(ctx).hhs_annual_days)


def clocks_applied(ctx: ReportContext) -> pd.DataFrame:
    """The policy's clocks as applied, each with its source, for the report's reader."""
    p: IncidentsPolicy = DOMAIN.policy(ctx)
    unlicensed = "does not apply (the policy says the clinic holds no such licence)"
    cdph = "applies" if p.cdph_applies else unlicensed
    rows = [
        (
            "assessment (internal target)",
            "every incident",
            f"{p.assessment_days} days after discovery",
            p.assessment_source,
        ),
        (
            "individuals",
            "every breach",
            f"{p.individuals_days} days after discovery",
            p.individuals_source,
        ),
        (
            "individuals, California",
            "computerized data of California residents, discovered on or after "
            + p.ca_rule_effective,
            f"{p.ca_days} days after discovery",
            p.ca_source,
        ),
        (
            "media",
            f"more than {p.media_more_than:,} residents of one state",
            f"{p.media_days} days after discovery",
            p.media_source,
        ),
        (
            "hhs",
            f"{p.hhs_at_least:,} individuals or more",
            f"{p.hhs_days} days after discovery",
            p.hhs_source,
        ),
        (
            "hhs",
            f"fewer than {p.hhs_at_least:,} individuals",
            f"{p.hhs_annual_days} days after 31 December of the year of discovery (the annual log)",
            p.hhs_source,
        ),
        (
            "ca_ag",
            f"computerized data, more than {p.ag_more_than:,} California residents",
            f"{p.ag_days} days after the individuals' notice",
            p.ag_source,
        ),
        ("cdph", f"{cdph}", f"{p.cdph_business_days} business days after discovery", p.cdph_source),
    ]
    return pd.DataFrame(rows, columns=["notice", "owed when", "due", "source"])


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Notices overdue at each month end, by kind, trailing twelve months; none without
    a log."""
    if ctx.missing_logs(LOGS[NAME]):
        return []
    months = ctx.period.trailing(12)
    title = f"Breach notices overdue at each month end, by notice, {months[0]} to {months[-1]}"
    frame = notices_frame(ctx, months)
    # every kind owed in any of the months, in every month (zero where none is owed), so
    # that each month has its bar
    grid = pd.MultiIndex.from_product(
        [[str(m) for m in months], sorted(set(frame["segment"]))], names=["period", "segment"]
    )
    frame = frame.set_index(["period", "segment"]).reindex(grid, fill_value=0).reset_index()
    target = ctx.policy.target("incidents.notices_overdue")
    return [
        Trend("count", frame, title, "notices overdue (count)", "notices_overdue", target=target)
    ]


DOMAIN = Domain(
    name=NAME,
    title="Incidents and breach notices",
    promise="Safeguards and breaches",
    rule="45 CFR 164.402-164.414 (breach notification), Cal. Civ. Code 1798.82 as amended by "
    "SB 446 ({incidents.ca_days} days for California residents from "
    "{incidents.ca_rule_effective}), H&S 1280.15 where it applies",
    policy_section=IncidentsPolicy,
    tables=("incidents",),  # the export tables its figures read
    metric_names=METRICS,
    metrics=metrics,
    trends=trends,
    queries=QUERIES,
    logs=LOGS,
    clocks=(
        Clock(
            "notices_due",
            "incidents.notices_overdue",
            ("breach notice", "breach notices"),
            LOGS[NAME],
        ),
    ),
    lists=(
        WorkList(
            "open_notices",
            "Notices owed and not sent by {as_of}",
            logs=LOGS[NAME],
            standing=("incident", "notice"),
        ),
        WorkList("sent_notices", "Notices sent in {period}", logs=LOGS[NAME]),
    ),
    summaries={
        "notices": Summary(
            "Breach notices, {period}",
            "notice",
            {
                "incidents.notices_overdue": "overdue",
                "incidents.notices_due_next_30_days": "due in the next 30 days",
                "incidents.notices_sent": "sent this month",
                "incidents.notices_sent_on_time": "sent on time",
                "incidents.notices_on_time_rate": "on-time rate",
            },
            formats={"incidents.notices_on_time_rate": "rate"},
        ),
        "categories": Summary(
            "Incidents, {period}",
            "category",
            {
                "incidents.discovered": "discovered this month",
                "incidents.breaches": "assessed a breach this month",
            },
        ),
    },
)
