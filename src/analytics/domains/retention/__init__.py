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

from dataclasses import dataclass, field

import pandas as pd

from analytics.contract import RECORDS
from analytics.figures import MetricRow, Trend, month_of, row, segment_table
from analytics.loading.context import ReportContext, by_month, per_month, per_months
from analytics.loading.derived import Derived, load_rows, query
from analytics.period import Period
from analytics.policy import Target

NAME = "retention"
# the export tables its figures read: a tile of this domain is no better than they are
SOURCE_TABLES: tuple[str, ...] = ("records",)
# every metric this domain writes to metrics.json (names of shared/spec/metrics.md)
METRICS = (
    "retention.held",
    "retention.overdue_disposal",
    "retention.premature_disposals",
    "retention.disposed_under_hold",
    "retention.due_next_90_days",
    "retention.disposed",
    "retention.on_legal_hold",
)


@dataclass(frozen=True)
class RetentionClass:
    """How long one class of record is kept: at least ``keep_years``, destroyed by
    ``dispose_by_years`` (both from the last activity)."""

    keep_years: int
    dispose_by_years: int
    source: str


@dataclass(frozen=True)
class RetentionPolicy:
    """The policy's ``[retention]`` section: the schedule per record class."""

    grace_days: int
    minors_until_age: int
    minors_source: str
    classes: dict[str, RetentionClass]
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in RECORDS.column("record_class").codes or ():
            if name not in self.classes:
                raise ValueError(f"[retention.classes.{name}] is missing")


def policy(ctx: ReportContext) -> RetentionPolicy:
    return ctx.policy.section(NAME, RetentionPolicy)


def _load_schedule(ctx: ReportContext) -> None:
    load_rows(
        ctx,
        "retention_policy",
        {
            "record_class": "VARCHAR",
            "keep_years": "INTEGER",
            "dispose_by_years": "INTEGER",
            "source": "VARCHAR",
        },
        [
            (name, c.keep_years, c.dispose_by_years, c.source)
            for name, c in policy(ctx).classes.items()
        ],
    )


def _params(ctx: ReportContext) -> dict:
    section = policy(ctx)
    return {"tz": ctx.timezone, "minor_age": section.minors_until_age, "grace": section.grace_days}


RETENTION_POLICY = Derived("retention_policy", build=_load_schedule)
RETENTION_PARAMS = Derived("retention_params", package=__name__, params=_params)
# A view: a health system holds twenty million records, and the officer's lists each read
# a few of them; the monthly figures read ``retention_runs`` instead.
RECORD_RETENTION = Derived(
    "record_retention", kind="view", package=__name__, depends=(RETENTION_POLICY, RETENTION_PARAMS)
)
RETENTION_RUNS = Derived("retention_runs", package=__name__, depends=(RECORD_RETENTION,))


@by_month
def monthly_frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
    """Per period and record class (and 'all'): every retention figure, in one pass.

    ``periods`` are consecutive months. Each figure counts records over a run of months
    (``retention_runs``): the runs are clamped to the periods and spread over them, so the
    records are read once (when the runs are built) whatever the number of months.
    """
    first = periods[0]
    return query(
        ctx,
        __name__,
        "retention_monthly",
        needs=(RETENTION_RUNS,),
        params={"m0": first.year * 12 + first.month - 1, "n": len(periods)},
        months=periods,
        grid=("retention_runs", "record_class"),
    )


COUNTS = (
    "held",
    "overdue_disposal",
    "premature_disposals",
    "disposed_under_hold",
    "due_next_90_days",
    "disposed",
    "on_legal_hold",
)


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every retention metric of metrics.md for each of ``periods``, in one pass."""
    frame = monthly_frame(ctx, periods)
    return {
        str(p): [
            row(f"retention.{name}", int(getattr(r, name)), r.segment)
            for name in COUNTS
            for r in month_of(frame, p).itertuples()
        ]
        for p in periods
    }


def _month(ctx: ReportContext) -> dict:
    return {"first": ctx.period.first_day, "as_of": ctx.period.as_of}


def destruction_queue(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: records overdue or due in the next 90 days, oldest due first."""
    return query(
        ctx,
        __name__,
        "destruction_queue",
        needs=(RECORD_RETENTION,),
        params={"as_of": ctx.period.as_of},
    )


def premature_disposals(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: records destroyed in the period before their retention end."""
    return query(ctx, __name__, "destroyed_early", needs=(RECORD_RETENTION,), params=_month(ctx))


def disposed_under_hold(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: records destroyed in the period while on legal hold."""
    return query(
        ctx, __name__, "destroyed_under_hold", needs=(RECORD_RETENTION,), params=_month(ctx)
    )


def overdue_by_age(ctx: ReportContext) -> pd.DataFrame:
    """Records overdue for disposal at the as-of date, by class and years overdue."""
    frame = query(
        ctx,
        __name__,
        "overdue_by_age",
        needs=(RECORD_RETENTION,),
        params={"as_of": ctx.period.as_of},
    )
    if frame.empty:
        return frame
    table = frame.pivot_table(
        index="record class", columns="overdue_by", values="records", fill_value=0, aggfunc="sum"
    ).reindex(columns=["up to 1 year", "1 to 3 years", "over 3 years"], fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.astype(int).reset_index()
    table.columns.name = None
    return table


def schedule_applied(ctx: ReportContext) -> pd.DataFrame:
    """The retention schedule of the policy, with sources."""
    p = policy(ctx)
    rows = [
        {
            "record class": name,
            "keep at least": f"{c.keep_years} years",
            "dispose by": f"{c.dispose_by_years} years",
            "source": c.source,
        }
        for name, c in p.classes.items()
    ]
    rows.append(
        {
            "record class": "medical, patient a minor at last activity",
            "keep at least": f"until age {p.minors_until_age}, and never less",
            "dispose by": "as above",
            "source": p.minors_source,
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


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """The overdue destruction backlog per record class, trailing twelve months."""
    months = ctx.period.trailing(12)
    title = f"Records overdue for destruction at each month end, {months[0]} to {months[-1]}"
    frame = monthly_frame(ctx, months)
    return [Trend("count", frame, title, "records overdue (count)", "overdue_disposal")]


def work_lists(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The officer's lists: destruction queue, early destructions, destructions under hold."""
    return {
        "retention-destruction-queue": destruction_queue(ctx),
        "retention-destroyed-early": premature_disposals(ctx),
        "retention-destroyed-under-hold": disposed_under_hold(ctx),
    }
