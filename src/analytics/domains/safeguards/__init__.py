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

from analytics.contract import ROLES
from analytics.figures import MetricRow, Trend, month_of, rate, row, segment_table
from analytics.loading.context import ReportContext, bounded_passes, by_month, per_month, per_months
from analytics.loading.derived import Derived, query
from analytics.period import Period
from analytics.policy import Target, check_clocks

NAME = "safeguards"
# the export tables its figures read: a tile of this domain is no better than they are
SOURCE_TABLES: tuple[str, ...] = ("workforce", "training", "access_log", "encounters")
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

    def __post_init__(self) -> None:
        check_clocks(self, "day_starts", "day_ends")
        if not self.required_courses:
            raise ValueError("required_courses is empty")


def policy(ctx: ReportContext) -> SafeguardsPolicy:
    return ctx.policy.section(NAME, SafeguardsPolicy)


def has_log(ctx: ReportContext, prefix: str) -> bool:
    """Whether the export has every log a part needs ('training', 'access')."""
    return not ctx.missing_logs(LOGS[prefix])


def absent_text(ctx: ReportContext, prefix: str) -> str:
    """What a section says when a log it needs is not in the export."""
    return ctx.no_log_text(LOGS[prefix])


def _params(ctx: ReportContext) -> dict:
    p = policy(ctx)
    return {
        "tz": ctx.timezone,
        "courses": [c.strip().lower() for c in p.required_courses],
        "initial_days": p.initial_days,
        "refresh_months": p.refresh_months,
        "roles": list(p.relationship_roles),
        "relationship_days": p.relationship_days,
        "day_starts": p.day_starts,
        "day_ends": p.day_ends,
        "bulk": p.bulk_patients_per_day,
    }


SAFEGUARD_PARAMS = Derived("safeguard_params", package=__name__, params=_params)
# views over `periods`: each query of them reads the months it set
TRAINING_DUE = Derived("training_due", kind="view", package=__name__, depends=(SAFEGUARD_PARAMS,))
ACCESS_EVENTS = Derived("access_events", kind="view", package=__name__, depends=(SAFEGUARD_PARAMS,))
ACCESS_REVIEW = Derived("access_review", kind="view", package=__name__, depends=(ACCESS_EVENTS,))
ACCESS_ALERTS = Derived("access_alerts", kind="view", package=__name__, depends=(ACCESS_REVIEW,))


@by_month
def training_frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
    """Per period and role (and 'all'): members active and members overdue."""
    frame = query(
        ctx,
        __name__,
        "training_monthly",
        needs=(TRAINING_DUE,),
        months=periods,
        grid=("workforce", "role"),
    )
    frame["compliance_rate"] = [
        None if not a else 1 - o / a
        for a, o in zip(frame["members_active"], frame["members_overdue"], strict=True)
    ]
    return frame


# The access review holds every event of the months it computes (with local times, the
# member and the rules): a pass holds at most this many events, counted by month.
PASS_EVENTS = 25_000_000


def _access_passes(ctx: ReportContext, months: list[Period]) -> list[list[Period]]:
    sizes = query(ctx, __name__, "events_by_month", months=months)
    return bounded_passes(
        dict(zip(sizes["period"], sizes["events"], strict=True)), months, PASS_EVENTS
    )


@by_month(passes=_access_passes)
def access_frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
    """Per period: events by action, alerts by rule, members and patients alerted (long:
    figure, period, segment, value)."""
    return query(
        ctx,
        __name__,
        "access_monthly",
        {"rules": list(RULES)},
        needs=(ACCESS_REVIEW,),
        months=periods,
        grid=("access_log", "action"),
    )


def _training_rows(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    frame = training_frame(ctx, periods)
    return {str(p): _training_month(month_of(frame, p)) for p in periods}


def _training_month(frame: pd.DataFrame) -> list[MetricRow]:
    out = [
        row("training.members_active", int(r.members_active), r.segment) for r in frame.itertuples()
    ]
    out += [
        row("training.members_overdue", int(r.members_overdue), r.segment)
        for r in frame.itertuples()
    ]
    out += [
        row(
            "training.compliance_rate",
            rate(int(r.members_active) - int(r.members_overdue), int(r.members_active)),
            r.segment,
        )
        for r in frame.itertuples()
    ]
    return out


def _access_rows(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    frame = access_frame(ctx, periods)
    return {str(p): _access_month(month_of(frame, p)) for p in periods}


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


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every safeguards metric of the spec for each of ``periods`` (one query per part),
    for the logs present."""
    parts = [
        rows(ctx, periods)
        for prefix, rows in (("training", _training_rows), ("access", _access_rows))
        if has_log(ctx, prefix)
    ]
    return {str(p): [m for part in parts for m in part[str(p)]] for p in periods}


def headline(ctx: ReportContext, rows: list[MetricRow]) -> str:
    """What needs action, in one sentence, for the logs the export has."""
    value = {(r["metric"], r["segment"]): r["value"] for r in rows}
    parts = []
    if has_log(ctx, "access"):
        after = value[("access.alerts", "after_termination")]
        parts.append(f"{after} accesses by accounts of members who had left")
        parts.append(f"{value[('access.alerts', 'no_encounter')]} accesses without a visit")
        parts.append(f"{value[('access.alerts', 'all')]} alerts in all")
    if has_log(ctx, "training"):
        compliance = value[("training.compliance_rate", "all")]
        parts.append(
            "no active member"
            if compliance is None
            else f"{compliance:.0%} of the workforce is up to date with training"
        )
    if not parts:
        return "Neither the access log nor the training log is in this export."
    return f"In {ctx.period}: " + "; ".join(parts) + "."


TRAINING_COLUMNS = {
    "training.members_active": "members active",
    "training.members_overdue": "with training overdue",
    "training.compliance_rate": "up to date",
}


def training_table(rows: list[MetricRow]) -> pd.DataFrame:
    """Training on the as-of date, by role, 'all' last."""
    table = segment_table(rows, TRAINING_COLUMNS, "role")
    table["up to date"] = ["—" if pd.isna(v) else f"{v:.0%}" for v in table["up to date"]]
    return table.astype({"members active": "Int64", "with training overdue": "Int64"})


def alerts_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's alerts by rule, in words, 'all' last."""
    value = {r["segment"]: r["value"] for r in rows if r["metric"] == "access.alerts"}
    lines = [{"rule": r, "raised when": RULE_WORDS[r], "alerts": value.get(r)} for r in RULES]
    lines.append({"rule": "all", "raised when": "", "alerts": value.get("all")})
    return pd.DataFrame(lines).astype({"alerts": "Int64"})


def events_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's access events by action, with the members and patients alerted."""
    table = segment_table(rows, {"access.events": "access events"}, "action")
    return table.astype({"access events": "Int64"})


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The policy's rules as applied, each with its source."""
    p = policy(ctx)
    roles = ", ".join(r.replace("_", " ") for r in p.relationship_roles)
    courses = ", ".join(p.required_courses)
    return pd.DataFrame(
        [
            (
                "required training",
                f"{courses}: within {p.initial_days} days of hire, "
                f"then every {p.refresh_months} months",
                p.training_source,
            ),
            (
                "treatment relationship",
                f"{roles}: a visit of the patient within {p.relationship_days} days "
                "before or after",
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
        ],
        columns=["rule", "applied as", "source"],
    )


def _month(ctx: ReportContext, name: str, *needs: Derived) -> pd.DataFrame:
    return query(ctx, __name__, name, needs=needs, months=[ctx.period])


def alerts_list(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: every alert of the month (member, role, patient, local time, action)."""
    return _month(ctx, "alerts_list", ACCESS_ALERTS)


def member_summary(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: each member's month (events, distinct patients, alerts)."""
    return _month(ctx, "member_summary", ACCESS_ALERTS)


def training_overdue(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: members with a required course overdue on the as-of date."""
    return _month(ctx, "training_overdue_list", TRAINING_DUE)


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Alerts by rule per month and training compliance by role, trailing twelve months;
    only for the logs the export has."""
    months = ctx.period.trailing(12)
    out = []
    if has_log(ctx, "access"):
        frame = access_frame(ctx, months)
        alerts = frame[frame["figure"] == "alerts"][["period", "segment", "value"]]
        title = f"Access alerts by rule, {months[0]} to {months[-1]}"
        out.append(Trend("count", alerts.reset_index(drop=True), title, "alerts (count)", "value"))
    if has_log(ctx, "training"):
        frame = training_frame(ctx, months)
        title = f"Workforce up to date with required training, by role, {months[0]} to {months[-1]}"
        out.append(
            Trend(
                "rate",
                frame,
                title,
                y_label="up to date (% of active members)",
                value="compliance_rate",
                population="members_active",
                legend="role (click to show)",
                all_label="all roles",
            )
        )
    return out


def work_lists(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The officer's lists, for the logs the export has."""
    lists: dict[str, pd.DataFrame] = {}
    if has_log(ctx, "access"):
        lists["safeguards-access-alerts"] = alerts_list(ctx)
        lists["safeguards-member-summary"] = member_summary(ctx)
    if has_log(ctx, "training"):
        lists["safeguards-training-overdue"] = training_overdue(ctx)
    return lists
