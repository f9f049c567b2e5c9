"""Safeguards: workforce training, and a review of who opened which record.

From four optional logs (``shared/spec/domains/safeguards.md``), in DuckDB:
- training status on each month's as-of date: every active member's required courses,
  due ``initial_days`` after hire when never taken, else ``refresh_months`` after the latest
  completion (``training_due.sql``);
- every access event of the months raises the rules it breaks (``access_alerts.sql``):
  unknown member, after termination, before hire, own record, no treatment relationship
  (two ASOF joins against the patient's encounters), after hours or on a Sunday, and more
  distinct patients in a local day than the policy allows (grouped per member and day);
  ``access_review.sql`` reads each event once and gives it the list of rules it raises.

An absent log omits the figures that need it: training needs ``workforce`` and
``training``; access review needs ``access_log``, ``workforce`` and ``encounters``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
from analytics.compute.memo import bounded_passes, per_month, per_months
from analytics.compute.queries import Queries, view
from analytics.contract import ROLES
from analytics.figures import MetricRow, Trend, month_of, row, rules_table
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.policy import Target, check_clocks

NAME = "safeguards"
# each metric prefix and the optional logs it needs (one absent: its metrics are omitted)
LOGS: dict[str, tuple[str, ...]] = {
    "training": ("workforce", "training"),
    "access": ("access_log", "workforce", "encounters"),
}
RULES = (
    "unknown_member",
    "after_termination",
    "before_hire",
    "self_access",
    "no_encounter",
    "after_hours",
    "bulk_day",
)
RULE_WORDS = {
    "unknown_member": "the member id is not in the workforce",
    "after_termination": "on or after the member's termination date",
    "before_hire": "before the member's hire date",
    "self_access": "the member opened their own record",
    "no_encounter": "no visit of the patient within the relationship window",
    "after_hours": "outside working hours, or on a Sunday",
    "bulk_day": "more distinct patients in a day than the policy allows",
}
# every metric this domain writes to metrics.json (shared/spec/domains/safeguards.md)
METRICS = (
    "training.members_active",
    "training.members_overdue",
    "training.compliance_rate",
    "access.events",
    "access.alerts",
    "access.members_alerted",
    "access.patients_alerted",
)


@dataclass(frozen=True)
class SafeguardsPolicy:
    """The policy's ``[safeguards]`` section: required training and the access rules."""

    required_courses: list[str]
    initial_days: int
    refresh_months: int
    training_source: str
    relationship_roles: list[str] = field(metadata={"choices": ROLES})
    relationship_days: int = field()
    relationship_source: str = field()
    day_starts: str = field()  # "HH:MM", local
    day_ends: str = field()
    hours_source: str = field()
    bulk_patients_per_day: int = field()
    bulk_source: str = field()
    targets: list[Target] = field(default_factory=list)

    @property
    def relationship_roles_text(self) -> str:
        return " or ".join(r.replace("_", " ") for r in self.relationship_roles)

    @property
    def required_courses_text(self) -> str:
        return ", ".join(c.replace("_", " ") for c in self.required_courses)

    def __post_init__(self) -> None:
        check_clocks(self, "day_starts", "day_ends")
        if not self.required_courses:
            raise ValueError("required_courses is empty")


def _bindings(ctx: ReportContext) -> dict:
    p: SafeguardsPolicy = DOMAIN.policy(ctx)
    return {
        "courses": [c.strip().lower() for c in p.required_courses],
        "initial_days": p.initial_days,
        "refresh_months": p.refresh_months,
        "roles": list(p.relationship_roles),
        "relationship_days": p.relationship_days,
        "day_starts": p.day_starts,
        "day_ends": p.day_ends,
        "bulk": p.bulk_patients_per_day,
        "rules": list(RULES),
    }


QUERIES = Queries(
    __name__,
    derived=(
        "safeguard_params",
        # views over `periods`: each query of them reads the months it set
        view("training_due"),
        view("access_events"),
        view("access_review"),
        view("access_alerts"),
    ),
    bindings=_bindings,
)
# Per period and role (and 'all'): members active and members overdue.
training_frame = monthly(QUERIES, "training_monthly", grid=("workforce", "role"))


# The access review holds every event of the months it computes (with local times, the
# member and the rules): a pass holds at most this many events, counted by month.
PASS_EVENTS = 25_000_000


def _access_passes(ctx: ReportContext, months: list[Period]) -> list[list[Period]]:
    sizes = QUERIES.run(ctx, "events_by_month", months=months)
    return bounded_passes(
        dict(zip(sizes["period"], sizes["events"], strict=True)), months, PASS_EVENTS
    )


# Per period: events by action, alerts by rule, members and patients alerted (long:
# figure, period, segment, value).
access_frame = monthly(
    QUERIES, "access_monthly", grid=("access_log", "action"), passes=_access_passes
)


def _training_month(frame: pd.DataFrame) -> list[MetricRow]:
    frame = frame.assign(members_up_to_date=frame["members_active"] - frame["members_overdue"])
    return [
        *count_rows(frame, "training", ("members_active", "members_overdue")),
        *rate_rows(frame, "training.compliance_rate", "members_up_to_date", "members_active"),
    ]


def _access_month(frame: pd.DataFrame) -> list[MetricRow]:
    names = {
        "events": "access.events",
        "alerts": "access.alerts",
        "members_alerted": "access.members_alerted",
        "patients_alerted": "access.patients_alerted",
    }
    out = []
    for figure, metric in names.items():
        part = frame[frame["figure"] == figure]
        order = sorted(part.itertuples(), key=lambda r: (r.segment == "all", r.segment))
        out += [row(metric, int(r.value), r.segment) for r in order]
    return out


PARTS = {"training": (training_frame, _training_month), "access": (access_frame, _access_month)}


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every safeguards metric of the spec for each of ``periods`` (one query per part),
    for the logs present."""
    out: dict[str, list[MetricRow]] = {str(p): [] for p in periods}
    for prefix, (frame_of, rows_of) in PARTS.items():
        if ctx.missing_logs(LOGS[prefix]):
            continue
        frame = frame_of(ctx, periods)
        for p in periods:
            out[str(p)] += rows_of(month_of(frame, p))
    return out


def headline(ctx: ReportContext, rows: list[MetricRow]) -> str:
    """What needs action, in one sentence, for the logs the export has."""
    value = {(r["metric"], r["segment"]): r["value"] for r in rows}
    parts = []
    if not ctx.missing_logs(LOGS["access"]):
        after = value[("access.alerts", "after_termination")]
        parts.append(f"{after} accesses by accounts of members who had left")
        parts.append(f"{value[('access.alerts', 'no_encounter')]} accesses without a visit")
        parts.append(f"{value[('access.alerts', 'all')]} alerts in all")
    if not ctx.missing_logs(LOGS["training"]):
        compliance = value[("training.compliance_rate", "all")]
        parts.append(
            "no active member"
            if compliance is None
            else f"{compliance:.0%} of the workforce is up to date with training"
        )
    if not parts:
        return "Neither the access log nor the training log is in this export."
    return f"In {ctx.period}: " + "; ".join(parts) + "."


def alerts_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's alerts by rule, in words, 'all' last."""
    value = {r["segment"]: r["value"] for r in rows if r["metric"] == "access.alerts"}
    lines = [{"rule": r, "raised when": RULE_WORDS[r], "alerts": value.get(r)} for r in RULES]
    lines.append({"rule": "all", "raised when": "", "alerts": value.get("all")})
    return pd.DataFrame(lines).astype({"alerts": "Int64"})


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The policy's rules as applied, each with its source."""
    p: SafeguardsPolicy = DOMAIN.policy(ctx)
    roles = ", ".join(r.replace("_", " ") for r in p.relationship_roles)
    courses = p.required_courses_text
    return rules_table(
        (
            "required training",
            f"{courses}: within {p.initial_days} days of hire, "
            f"then every {p.refresh_months} months",
            p.training_source,
        ),
        (
            "treatment relationship",
            f"{roles}: a visit of the patient within {p.relationship_days} days before or after",
            p.relationship_source,
        ),
        (
            "working hours",
            f"{p.day_starts} to {p.day_ends} local, Monday to Saturday",
            p.hours_source,
        ),
        (
            "patients in a day",
            f"more than {p.bulk_patients_per_day} distinct patients by one member",
            p.bulk_source,
        ),
    )


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Alerts by rule per month and training compliance by role, trailing twelve months;
    only for the logs the export has."""
    months = ctx.period.trailing(12)
    out = []
    if not ctx.missing_logs(LOGS["access"]):
        frame = access_frame(ctx, months)
        alerts = frame[frame["figure"] == "alerts"][["period", "segment", "value"]]
        title = f"Access alerts by rule, {months[0]} to {months[-1]}"
        out.append(Trend("count", alerts.reset_index(drop=True), title, "alerts (count)", "value"))
    if not ctx.missing_logs(LOGS["training"]):
        frame = training_frame(ctx, months)
        frame["compliance_rate"] = [
            None if not a else 1 - o / a
            for a, o in zip(frame["members_active"], frame["members_overdue"], strict=True)
        ]
        title = f"Workforce up to date with required training, by role, {months[0]} to {months[-1]}"
        out.append(
            Trend(
                "rate",
                frame,
                title,
                y_label="up to date (% of active members)",
                value="compliance_rate",
                population="members_active",
                legend="role",
                all_label="all roles",
                target=ctx.policy.target("training.compliance_rate"),
            )
        )
    return out


DOMAIN = Domain(
    name=NAME,
    title="Safeguards",
    promise="Safeguards and breaches",
    rule="45 CFR 164.308(a)(1)(ii)(D) and 164.312(b) (review of access to records), 164.530(b) "
    "and 164.308(a)(5) (workforce training), 164.308(a)(3)(ii)(C) (access ends with employment)",
    policy_section=SafeguardsPolicy,
    tables=(
        "workforce",
        "training",
        "access_log",
        "encounters",
    ),  # the export tables its figures read
    metric_names=METRICS,
    metrics=metrics,
    trends=trends,
    queries=QUERIES,
    logs=LOGS,
    clocks=(
        Clock(
            "courses_due",
            "training.compliance_rate",
            ("required course", "required courses"),
            LOGS["training"],
        ),
    ),
    lists=(
        WorkList("alerts_list", "Access alerts, {period}", logs=LOGS["access"]),
        WorkList("member_summary", "Openings of records by member, {period}", logs=LOGS["access"]),
        WorkList(
            "training_overdue_list",
            "Required courses overdue on {as_of}",
            logs=LOGS["training"],
            standing=("member", "course"),
        ),
    ),
    summaries={
        "training": Summary(
            "Training on {as_of}, by role",
            "role",
            {
                "training.members_active": "members active",
                "training.members_overdue": "with training overdue",
                "training.compliance_rate": "up to date",
            },
            formats={"training.compliance_rate": "rate"},
        ),
        "events": Summary(
            "Openings of records by action, {period}",
            "action",
            {"access.events": "access events"},
        ),
    },
)
