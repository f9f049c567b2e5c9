"""Rights requests: every HIPAA and CCPA request against its deadline.

All in DuckDB. ``request_deadlines.sql`` derives, per request, its local dates, due date
(calendar or business days, with a valid extension), on-time flag and days to close;
the metric functions aggregate it for any list of months in one pass.

Rules (``shared/spec/policy-defaults.md``, ``metrics.md``):
- the clock starts on the local date of receipt;
- calendar due date: received date + N days; business: the N-th business day after it;
- an extension counts only if the requester was told on or before the original due date,
  and moves the due date on by the extension in the same unit;
- on time: closed local date <= due date; days to close: closed - received local date;
- open and overdue as of a date A: received on or before A, not closed by the end of A,
  due date before A.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from analytics.compute.declare import (
    Clock,
    Domain,
    Summary,
    WorkList,
    count_rows,
    monthly,
    rate_rows,
    value_rows,
)
from analytics.compute.memo import per_month, per_months
from analytics.compute.queries import Derived, Queries, calendar, load_rows
from analytics.contract import REQUEST_TYPES, REQUEST_TYPES_BY_REGIME
from analytics.figures import MetricRow, Trend, month_of, rate
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.policy import Target

NAME = "requests"
# every metric this domain writes to metrics.json (names of shared/spec/metrics.md)
METRICS = (
    "requests.received",
    "requests.closed",
    "requests.withdrawn",
    "requests.closed_on_time",
    "requests.extended",
    "requests.open_overdue",
    "requests.on_time_rate",
    "requests.median_days_to_close",
    "requests.ack_on_time_rate",
    "ccpa.received",
    "ccpa.complied",
    "ccpa.denied",
    "ccpa.denied_exempt_phi",
    "ccpa.median_days",
    "ccpa.mean_days",
)
CCPA_TYPES = ("know", "delete", "correct", "opt_out_sale_share", "limit_sensitive")


@dataclass(frozen=True)
class Deadline:
    """A request type's deadline: ``days`` in ``unit``, plus an ``extension`` (0: none)."""

    regime: Literal["hipaa", "ccpa", "*"]  # '*': either
    request_type: str = field(metadata={"choices": REQUEST_TYPES})
    days: int = field()
    unit: Literal["calendar", "business"] = field()
    extension: int = field()
    source: str = field()


@dataclass(frozen=True)
class Acknowledgment:
    """Receipt of these request types must be confirmed within ``days``."""

    request_types: list[str] = field(metadata={"choices": REQUEST_TYPES})
    regime: Literal["hipaa", "ccpa"] = field()
    days: int = field()
    unit: Literal["calendar", "business"] = field()
    source: str = field()

    @property
    def regime_text(self) -> str:
        return self.regime.upper()

    @property
    def types_text(self) -> str:
        """The request types in words: "know, delete and correct"."""
        names = [t.replace("_", " ") for t in self.request_types]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class RequestsPolicy:
    """The policy's ``[requests]`` section."""

    deadlines: list[Deadline]
    acknowledgment: Acknowledgment
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.deadlines:
            raise ValueError("[[requests.deadlines]] is empty")
        problems = deadline_problems(self.deadlines)
        if problems:
            raise ValueError("; ".join(problems))
        wrong = [
            t
            for t in self.acknowledgment.request_types
            if t not in REQUEST_TYPES_BY_REGIME[self.acknowledgment.regime]
        ]
        if wrong:
            raise ValueError(
                f"acknowledgment: {self.acknowledgment.regime} has no request type "
                + ", ".join(wrong)
            )


def deadline_problems(deadlines: list[Deadline]) -> list[str]:
    """Every request type of both regimes needs exactly one deadline (its regime's own or
    one for either, '*'): none would count every such request late, two would leave one
    silently unused. A deadline for a type its regime does not have is refused too."""
    found = []
    for d in deadlines:
        if d.regime != "*" and d.request_type not in REQUEST_TYPES_BY_REGIME[d.regime]:
            found.append(f"deadlines: {d.regime} has no request type {d.request_type!r}")
    for regime, types in REQUEST_TYPES_BY_REGIME.items():
        for t in types:
            n = sum(1 for d in deadlines if d.request_type == t and d.regime in (regime, "*"))
            if n != 1:
                found.append(
                    f"deadlines: {regime} {t} has {'no' if not n else n} deadline"
                    + ("s" if n != 1 else "")
                    + " (each request type of each regime needs exactly one)"
                )
    return found


def _load_deadlines(ctx: ReportContext) -> None:
    """The policy's deadlines as the table ``deadline_policy``."""
    load_rows(
        ctx,
        "deadline_policy",
        {
            "regime": "VARCHAR",
            "request_type": "VARCHAR",
            "days": "INTEGER",
            "unit": "VARCHAR",
            "extension": "INTEGER",
            "source": "VARCHAR",
        },
        [
            (d.regime, d.request_type, d.days, d.unit, d.extension, d.source)
            for d in DOMAIN.policy(ctx).deadlines
        ],
    )


def _bindings(ctx: ReportContext) -> dict:
    ack = DOMAIN.policy(ctx).acknowledgment
    return {
        "ack_regime": ack.regime,
        "ack_types": list(ack.request_types),
        "ack_unit": ack.unit,
        "ack_days": ack.days,
        "types": list(CCPA_TYPES),
    }


QUERIES = Queries(
    __name__,
    derived=(
        Derived("deadline_policy", build=_load_deadlines),
        # the business days the deadlines count, over every request and the period
        calendar("business_calendar", "request_span"),
        "request_deadlines",
    ),
    bindings=_bindings,
)
# Per period and segment (request type or 'all'): every monthly request figure.
monthly_frame = monthly(QUERIES, "requests_monthly", grid=("request_deadlines", "request_type"))


def ccpa_frame(ctx: ReportContext) -> pd.DataFrame:
    """The 11 CCR 7102 table, year to date through the as-of date, per CCPA type and 'all'."""
    return QUERIES.run(ctx, "ccpa_year", {"start": ctx.period.first_day.replace(month=1)})


AGING_BUCKETS = (
    "not yet due",
    "1-7 days past due",
    "8-30 days past due",
    "31-90 days past due",
    "over 90 days past due",
)


def open_aging(ctx: ReportContext) -> pd.DataFrame:
    """Requests open at the end of the as-of date, by request type and days past due."""
    frame = QUERIES.run(ctx, "open_aging")
    if frame.empty:
        return pd.DataFrame(columns=["request type", *AGING_BUCKETS, "total"])
    table = frame.pivot_table(
        index="request_type", columns="bucket", values="requests", aggfunc="sum", fill_value=0
    ).reindex(columns=list(AGING_BUCKETS), fill_value=0)
    table["total"] = table.sum(axis=1)
    table.loc["all"] = table.sum()
    table = table.astype(int).reset_index().rename(columns={"request_type": "request type"})
    table.columns.name = None
    return table


def deadlines_applied(ctx: ReportContext) -> pd.DataFrame:
    """The policy's deadlines as applied, with their sources, for the report's reader."""
    section: RequestsPolicy = DOMAIN.policy(ctx)
    ack = section.acknowledgment
    rows = [
        {
            "regime": "either" if d.regime == "*" else d.regime,
            "request type": d.request_type,
            "deadline": f"{d.days} {d.unit} days",
            "extension": f"{d.extension} {d.unit} days" if d.extension else "none",
            "source": d.source,
        }
        for d in section.deadlines
    ]
    rows.append(
        {
            "regime": ack.regime,
            "request type": "acknowledgment of " + ", ".join(ack.request_types),
            "deadline": f"{ack.days} {ack.unit} days",
            "extension": "none",
            "source": ack.source,
        }
    )
    return pd.DataFrame(rows)


def metric_rows(frame: pd.DataFrame, ccpa: pd.DataFrame, ack_types: list[str]) -> list[MetricRow]:
    """Metric rows for one period from its monthly and CCPA frames."""
    counted = ("received", "closed", "withdrawn", "closed_on_time", "extended", "open_overdue")
    return [
        *count_rows(frame, NAME, counted),
        *rate_rows(frame, "requests.on_time_rate", "closed_on_time", "closed"),
        *value_rows(frame, "requests.median_days_to_close", "median_days_to_close"),
        *rate_rows(
            frame,
            "requests.ack_on_time_rate",
            "ack_on_time",
            "ack_population",
            only=("all", *ack_types),
        ),
        *_ccpa_rows(ccpa),
    ]


def _ccpa_rows(ccpa: pd.DataFrame) -> list[MetricRow]:
    """The 11 CCR 7102 rows of one month, segment by segment."""
    out: list[MetricRow] = []
    for _, one in ccpa.groupby("segment", sort=False):
        out += count_rows(one, "ccpa", ("received", "complied", "denied", "denied_exempt_phi"))
        out += value_rows(one, "ccpa.median_days", "median_days")
        out += value_rows(one, "ccpa.mean_days", "mean_days")
    return out


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every request metric of metrics.md for each of ``periods``: the monthly figures of
    all of them in one query, the CCPA year to date (a small table) month by month."""
    frame = monthly_frame(ctx, periods)
    ack_types = list(DOMAIN.policy(ctx).acknowledgment.request_types)
    return {
        str(p): metric_rows(month_of(frame, p), ccpa_frame(replace(ctx, period=p)), ack_types)
        for p in periods
    }


def on_time_trend(ctx: ReportContext, months: int = 12) -> pd.DataFrame:
    """On-time rate per request type and pooled, for the trailing months (one pass)."""
    frame = monthly_frame(ctx, ctx.period.trailing(months))
    frame["on_time_rate"] = [
        rate(int(c), int(n)) for c, n in zip(frame["closed_on_time"], frame["closed"], strict=True)
    ]
    return frame


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """The on-time rate per request type and pooled, trailing twelve months."""
    months = ctx.period.trailing(12)
    title = (
        f"Requests answered on time, by type, {months[0]} to {months[-1]} "
        "(closed on or before the policy due date)"
    )
    return [
        Trend(
            "rate",
            on_time_trend(ctx),
            title,
            y_label="on-time rate (% of requests closed)",
            value="on_time_rate",
            population="closed",
            legend="request type",
            target=ctx.policy.target("requests.on_time_rate"),
        )
    ]


DOMAIN = Domain(
    name=NAME,
    title="Privacy-rights requests",
    promise="Your rights",
    rule="each request's deadline from the policy file (calendar or business days from the "
    "local date of receipt; extension only if notified by the original due date)",
    policy_section=RequestsPolicy,
    tables=("requests",),  # the export tables its figures read
    metric_names=METRICS,
    metrics=metrics,
    trends=trends,
    queries=QUERIES,
    clocks=(Clock("requests_due", "requests.open_overdue", ("rights request", "rights requests")),),
    lists=(
        WorkList(
            "open_overdue", "Open and overdue at the end of {as_of}", standing=("request_id",)
        ),
        WorkList(
            "open_not_due", "Open and not yet due at the end of {as_of}", standing=("request_id",)
        ),
        WorkList("closed_late", "Answered after the due date, {period}"),
    ),
    summaries={
        "requests": Summary(
            "Requests, {period}",
            "request type",
            {
                "requests.received": "received",
                "requests.closed": "closed",
                "requests.closed_on_time": "closed on time",
                "requests.on_time_rate": "on-time rate",
                "requests.extended": "extended (valid)",
                "requests.withdrawn": "withdrawn",
                "requests.open_overdue": "open and overdue",
                "requests.median_days_to_close": "median days to close",
                "requests.ack_on_time_rate": "acknowledged on time",
            },
            formats={
                "requests.on_time_rate": "rate",
                "requests.median_days_to_close": "as_is",
                "requests.ack_on_time_rate": "rate",
            },
        ),
        "ccpa": Summary(
            "CCPA requests, {year} to {as_of}",
            "request type",
            {
                "ccpa.received": "received",
                "ccpa.complied": "complied with in whole or in part",
                "ccpa.denied": "denied",
                "ccpa.denied_exempt_phi": "of which denied as PHI exempt (1798.146)",
                "ccpa.median_days": "median days to respond",
                "ccpa.mean_days": "mean days to respond",
            },
            formats={"ccpa.median_days": "as_is", "ccpa.mean_days": "one_decimal"},
        ),
    },
)
