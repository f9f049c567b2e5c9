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

from analytics.compute.declare import Clock, Domain, Summary, WorkList, counts, monthly
from analytics.compute.memo import per_month
from analytics.compute.queries import Derived, Queries, load_rows, view
from analytics.contract import RECORDS
from analytics.figures import Trend
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.policy import Target

NAME = "retention"
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


def _load_schedule(ctx: ReportContext) -> None:
    """The policy's schedule as the table ``retention_policy``, one row per class."""
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
            for name, c in DOMAIN.policy(ctx).classes.items()
        ],
    )


def _bindings(ctx: ReportContext) -> dict:
    section: RetentionPolicy = DOMAIN.policy(ctx)
    return {"minor_age": section.minors_until_age, "grace": section.grace_days}


QUERIES = Queries(
    __name__,
    derived=(
        Derived("retention_policy", build=_load_schedule),
        "retention_params",
        # a view: a health system holds twenty million records, and the officer's lists
        # each read a few of them; the monthly figures read ``retention_runs`` instead
        view("record_retention"),
        "retention_runs",
    ),
    bindings=_bindings,
)


def _month_indices(ctx: ReportContext, periods: list[Period]) -> dict:
    first = periods[0]
    return {"m0": first.year * 12 + first.month - 1, "n": len(periods)}


# Per period and record class (and 'all'): every retention figure, in one pass. Each
# figure counts records over a run of months (``retention_runs``): the runs are clamped
# to the periods and spread over them, so the records are read once whatever the months.
monthly_frame = monthly(
    QUERIES, "retention_monthly", grid=("retention_runs", "record_class"), params=_month_indices
)
COUNTS = tuple(m.split(".")[1] for m in METRICS)


def overdue_by_age(ctx: ReportContext) -> pd.DataFrame:
    """Records overdue for disposal at the as-of date, by class and years overdue."""
    frame = QUERIES.run(ctx, "overdue_by_age")
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
    p: RetentionPolicy = DOMAIN.policy(ctx)
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


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """The overdue destruction backlog per record class, trailing twelve months."""
    months = ctx.period.trailing(12)
    title = f"Records overdue for destruction at each month end, {months[0]} to {months[-1]}"
    frame = monthly_frame(ctx, months)
    target = ctx.policy.target("retention.overdue_disposal")
    return [
        Trend("count", frame, title, "records overdue (count)", "overdue_disposal", target=target)
    ]


DOMAIN = Domain(
    name=NAME,
    title="Record retention",
    promise="Retention and destruction",
    rule="retention end = last activity + keep-at-least years (minors' medical records: at "
    "least to age {retention.minors_until_age}); disposal due = the later dispose-by date + "
    "{retention.grace_days} days' grace",
    policy_section=RetentionPolicy,
    tables=("records",),  # the export tables its figures read
    metric_names=METRICS,
    metrics=counts(monthly_frame, NAME, COUNTS),
    trends=trends,
    queries=QUERIES,
    clocks=(
        Clock(
            "destruction_due",
            "retention.overdue_disposal",
            ("record to destroy", "records to destroy"),
        ),
    ),
    lists=(
        WorkList(
            "destruction_queue",
            "Due for destruction by {as_of} + 90 days",
            standing=("record_id",),
        ),
        WorkList("destroyed_early", "Destroyed before retention end, {period}"),
        WorkList("destroyed_under_hold", "Destroyed while on legal hold, {period}"),
    ),
    summaries={
        "records": Summary(
            "Records, end of {period}",
            "record class",
            {
                "retention.held": "records held",
                "retention.on_legal_hold": "of which on legal hold",
                "retention.overdue_disposal": "overdue for destruction",
                "retention.due_next_90_days": "due in the next 90 days",
                "retention.disposed": "destroyed this month",
                "retention.premature_disposals": "destroyed before retention end",
                "retention.disposed_under_hold": "destroyed while on legal hold",
            },
        )
    },
)
