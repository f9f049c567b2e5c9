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

from analytics.business_days import build_calendar, calendar_span
from analytics.contract import REQUEST_TYPES, REQUEST_TYPES_BY_REGIME
from analytics.figures import MetricRow, Trend, month_of, number, rate, row, segment_table
from analytics.loading.context import ReportContext, by_month, per_month, per_months
from analytics.loading.derived import Derived, load_rows, query
from analytics.period import Period
from analytics.policy import Target
from analytics.sql import read_sql

NAME = "requests"
# the export tables its figures read: a tile of this domain is no better than they are
SOURCE_TABLES: tuple[str, ...] = ("requests",)
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


def policy(ctx: ReportContext) -> RequestsPolicy:
    return ctx.policy.section(NAME, RequestsPolicy)


def _load_deadlines(ctx: ReportContext) -> None:
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
            for d in policy(ctx).deadlines
        ],
    )


def _calendar_bounds(ctx: ReportContext) -> dict:
    """The dates the business-day calendar covers: every request's, and the period's."""
    sql = read_sql(__name__, "request_span")
    lo, hi = ctx.export.con.execute(sql, {"tz": ctx.timezone}).fetchall()[0]
    first, last = calendar_span(lo, max(filter(None, [hi, ctx.period.as_of])))
    return {"first": first, "last": last}


def _load_calendar(ctx: ReportContext) -> None:
    """The tables ``holiday`` and ``business_calendar``, over one span of dates."""
    bounds = _calendar_bounds(ctx)
    build_calendar(ctx.export.con, ctx.policy, "business_calendar", bounds["first"], bounds["last"])


def _deadline_params(ctx: ReportContext) -> dict:
    ack = policy(ctx).acknowledgment
    return {
        "tz": ctx.timezone,
        "ack_regime": ack.regime,
        "ack_types": list(ack.request_types),
        "ack_unit": ack.unit,
        "ack_days": ack.days,
    }


DEADLINE_POLICY = Derived("deadline_policy", build=_load_deadlines)
# the calendar reaches two years past the later of the last request and the period: it is
# built again only when the period's year changes
BUSINESS_CALENDAR = Derived(
    "business_calendar", build=_load_calendar, key=lambda ctx: ctx.period.as_of.year
)
REQUEST_DEADLINES = Derived(
    "request_deadlines",
    package=__name__,
    depends=(DEADLINE_POLICY, BUSINESS_CALENDAR),
    params=_deadline_params,
)


def _query(ctx: ReportContext, name: str, params: dict | None = None, **kw) -> pd.DataFrame:
    return query(ctx, __name__, name, params, needs=(REQUEST_DEADLINES,), **kw)


def _month(ctx: ReportContext) -> dict:
    return {"first": ctx.period.first_day, "as_of": ctx.period.as_of}


@by_month
def monthly_frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
    """Per period and segment (request type or 'all'): every monthly request figure."""
    ack = policy(ctx).acknowledgment
    return _query(
        ctx,
        "requests_monthly",
        {"ack_regime": ack.regime, "ack_types": list(ack.request_types)},
        months=periods,
        grid=("request_deadlines", "request_type"),
    )


def ccpa_frame(ctx: ReportContext) -> pd.DataFrame:
    """The 11 CCR 7102 table, year to date through the as-of date, per CCPA type and 'all'."""
    year_start = ctx.period.first_day.replace(month=1)
    return _query(
        ctx,
        "ccpa_year",
        {"types": list(CCPA_TYPES), "start": year_start, "as_of": ctx.period.as_of},
    )


def denial_reasons(ctx: ReportContext) -> pd.DataFrame:
    """Denials closed in the period, by regime and reason."""
    return _query(ctx, "denial_reasons", _month(ctx))


AGING_BUCKETS = (
    "not yet due",
    "1-7 days past due",
    "8-30 days past due",
    "31-90 days past due",
    "over 90 days past due",
)


def open_aging(ctx: ReportContext) -> pd.DataFrame:
    """Requests open at the end of the as-of date, by request type and days past due."""
    frame = _query(ctx, "open_aging", {"as_of": ctx.period.as_of})
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


def overdue_queue(ctx: ReportContext) -> pd.DataFrame:
    """The officer's work list: each open overdue request, most overdue first."""
    return _query(ctx, "open_overdue", {"as_of": ctx.period.as_of})


def closed_late(ctx: ReportContext) -> pd.DataFrame:
    """Requests closed in the period after their due date."""
    return _query(ctx, "closed_late", _month(ctx))


def deadlines_applied(ctx: ReportContext) -> pd.DataFrame:
    """The policy's deadlines as applied, with their sources, for the report's reader."""
    section = policy(ctx)
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
    out: list[MetricRow] = []
    counts = ("received", "closed", "withdrawn", "closed_on_time", "extended", "open_overdue")
    for name in counts:
        out += [
            row(f"requests.{name}", int(getattr(r, name)), r.segment) for r in frame.itertuples()
        ]
    for r in frame.itertuples():
        out.append(
            row("requests.on_time_rate", rate(int(r.closed_on_time), int(r.closed)), r.segment)
        )
    for r in frame.itertuples():
        out.append(row("requests.median_days_to_close", number(r.median_days_to_close), r.segment))
    for r in frame.itertuples():
        if r.segment == "all" or r.segment in ack_types:
            out.append(
                row(
                    "requests.ack_on_time_rate",
                    rate(int(r.ack_on_time), int(r.ack_population)),
                    r.segment,
                )
            )
    for r in ccpa.itertuples():
        for name in ("received", "complied", "denied", "denied_exempt_phi"):
            out.append(row(f"ccpa.{name}", int(getattr(r, name)), r.segment))
        out.append(row("ccpa.median_days", number(r.median_days), r.segment))
        out.append(row("ccpa.mean_days", number(r.mean_days), r.segment))
    return out


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every request metric of metrics.md for each of ``periods``: the monthly figures of
    all of them in one query, the CCPA year to date (a small table) month by month."""
    frame = monthly_frame(ctx, periods)
    ack_types = list(policy(ctx).acknowledgment.request_types)
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


SUMMARY_COLUMNS = {
    "requests.received": "received",
    "requests.closed": "closed",
    "requests.closed_on_time": "closed on time",
    "requests.on_time_rate": "on-time rate",
    "requests.extended": "extended (valid)",
    "requests.withdrawn": "withdrawn",
    "requests.open_overdue": "open and overdue",
    "requests.median_days_to_close": "median days to close",
    "requests.ack_on_time_rate": "acknowledged on time",
}


def summary_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's request metric rows as one line per request type, 'all' last."""
    table = segment_table(rows, SUMMARY_COLUMNS, "request type")
    for col in ("on-time rate", "acknowledged on time"):
        table[col] = [None if pd.isna(v) else f"{v:.0%}" for v in table[col]]
    for col in (
        "received",
        "closed",
        "closed on time",
        "extended (valid)",
        "withdrawn",
        "open and overdue",
    ):
        table[col] = table[col].astype("Int64")
    return table


CCPA_COLUMNS = {
    "ccpa.received": "received",
    "ccpa.complied": "complied with in whole or in part",
    "ccpa.denied": "denied",
    "ccpa.denied_exempt_phi": "of which denied as PHI exempt (1798.146)",
    "ccpa.median_days": "median days to respond",
    "ccpa.mean_days": "mean days to respond",
}


def ccpa_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The 11 CCR 7102 metric rows as a table, one line per CCPA type."""
    table = segment_table(rows, CCPA_COLUMNS, "request type")
    table["mean days to respond"] = table["mean days to respond"].astype(float).round(1)
    for col in list(CCPA_COLUMNS.values())[:4]:
        table[col] = table[col].astype("Int64")
    return table


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
            legend="request type (click to show)",
        )
    ]


def work_lists(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The officer's lists: open and overdue requests, and requests answered late."""
    return {"requests-open-overdue": overdue_queue(ctx), "requests-closed-late": closed_late(ctx)}
