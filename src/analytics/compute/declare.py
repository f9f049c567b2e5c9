"""What a domain declares, and the shapes the engine builds from a declaration.

A domain's package ends with ``DOMAIN = Domain(...)``: its names, the promise it measures,
its policy section, the tables it reads, its metrics, its officer's lists (``WorkList``)
and its summary tables (``Summary``). The registry collects the declarations; the run,
``metrics.json``, the leadership index, the work lists and the notebooks read them, and
none of them names a domain.

The shapes most domains share are built here, not written out per domain: a frame of
monthly figures read from one ``.sql`` file (``monthly``), metric rows that are its
counts (``counts``), and the lists each run from their own ``.sql`` file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from analytics.compute.memo import MonthFigures, by_month
from analytics.compute.queries import Queries
from analytics.figures import MetricRow, month_of, number, rate, row
from analytics.loading.context import ReportContext
from analytics.period import Period

Passes = Callable[[ReportContext, list[Period]], list[list[Period]]]
MonthlyFrame = Callable[[ReportContext, list[Period]], pd.DataFrame]
# the column a standing list adds: whether a row was not on last month's list
NEW = "new_since_last_month"


@dataclass(frozen=True)
class WorkList:
    """An officer's list to work. Its one name is its ``.sql`` file in the domain's folder,
    and, qualified by the domain (``retention.destroyed_early``), its CSV file of the
    monthly run, its download and the key the run keeps it under for the notebooks.

    ``caption`` may name ``{period}`` and ``{as_of}``; ``logs``: the optional logs it
    reads (one absent: the list is not made, and its section says so); ``make``: a list
    not read from its own ``.sql`` file (the quarantined rows); ``standing``: the columns
    that name a row of a list of what stands open at the month's end (a request, a
    record, a member's course), which then says of each row whether it is new since last
    month's list."""

    name: str
    caption: str
    logs: tuple[str, ...] = ()
    make: Callable[[ReportContext], pd.DataFrame] | None = None
    standing: tuple[str, ...] = ()

    def title(self, ctx: ReportContext) -> str:
        """Its caption for the report's month (a page's table, a spreadsheet's sheet)."""
        return self.caption.format(period=ctx.period, as_of=ctx.period.as_of)


def _new_rows(frame: pd.DataFrame, before: pd.DataFrame, keys: list[str]) -> list[bool]:
    """For each row of ``frame``, whether its ``keys`` were not on the list ``before``."""
    known = {tuple(r) for r in before[keys].astype(str).itertuples(index=False)}
    return [tuple(r) not in known for r in frame[keys].astype(str).itertuples(index=False)]


@dataclass(frozen=True)
class Clock:
    """A deadline the suite follows item by item, for the overview's actions. Its one name
    is its ``.sql`` file, which counts, as of the month's last day ``$as_of``, the open
    items past their due date (``state`` 'missed') and those due within ``$days`` days
    after it ('due_soon'): ``items``, the ``people`` they concern and the ``first_due`` and
    ``last_due`` dates. ``metric``: the headline figure it details (its target's owner
    acts); ``what``: an item in words, singular and plural; ``logs``: the optional logs it
    reads (one absent: no clock)."""

    name: str
    metric: str
    what: tuple[str, str]
    logs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cause:
    """What a figure off target comes down to, as aggregates only (a campaign, a vendor, a
    state; never a patient). Its ``.sql`` file gives, for the report's month, a ``cause``
    (words), an optional ``detail`` and the ``items`` of the figure it accounts for, the
    largest first; the overview names the first few."""

    name: str
    metric: str
    logs: tuple[str, ...] = ()


# a count; a rate as every page writes it (``formatting.rate_text``: 82.6 %); a number to
# one decimal; a value as computed (a median of days)
Format = Literal["count", "rate", "one_decimal", "as_is"]


@dataclass(frozen=True)
class Summary:
    """A month's metric rows drawn as a table (``presentation.page.summary``): one line per
    segment, 'all' last, one labelled column per metric; or, ``segments_across``, one line
    per metric (``segment_label`` heads the labels) and one column per segment, where a
    metric its rule does not apply to on a segment reads "n/a"; or, ``pooled``, the one
    line of the 'all' segment, without a segment column. ``formats`` gives a
    metric's format when it is not a count; ``hide_zero``: a metric whose zero hides a
    segment's line ('all' always shows)."""

    caption: str
    segment_label: str
    columns: dict[str, str]  # metric -> its column's label
    formats: dict[str, Format] = field(default_factory=dict)
    hide_zero: str | None = None
    segments_across: bool = False
    pooled: bool = False  # one line: the 'all' segment only, without a segment column

    def format_of(self, metric: str) -> Format:
        return self.formats.get(metric, "count")


@dataclass(frozen=True)
class Domain:
    """One domain, declared: what it is called, what it measures and how it is shown."""

    name: str  # its package, notebook, policy section and docs page
    title: str
    promise: str  # the notice's promise it measures: its group on the leadership overview
    rule: str  # the one-line rule its report's banner states
    policy_section: type
    tables: tuple[str, ...]  # the export tables its figures read
    metric_names: tuple[str, ...]  # every metric it writes to metrics.json
    metrics: MonthFigures[list[MetricRow]]  # a month's; ``prefetch`` computes many at once
    trends: Callable[[ReportContext], list]
    queries: Queries | None = None
    lists: tuple[WorkList, ...] = ()
    summaries: Mapping[str, Summary] = field(default_factory=dict)
    on_request: tuple[str, ...] = ()  # its notebooks not in the monthly run
    # metric prefix -> the optional (v2) logs its figures need: one absent, they are omitted
    logs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # metric prefix -> {table: the columns it reads (empty: every column)}, for a domain
    # whose figures read different tables: a broken table or column then marks only the
    # figures that read it (rights honoured's notice figures read three columns of records)
    reads: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    # metric -> {table: the columns it reads (empty: every column)} beyond its prefix's
    # (consent's quiet hours: the patients table; the figures that read the words of
    # replies: messages.body)
    metric_reads: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    clocks: tuple[Clock, ...] = ()  # the deadlines it follows item by item
    causes: tuple[Cause, ...] = ()  # what its figures off target come down to

    def policy(self, ctx: ReportContext) -> Any:
        """Its section of the report's policy, typed."""
        return ctx.policy.section(self.name, self.policy_section)

    def has_log(self, ctx: ReportContext, part: str | None = None) -> bool:
        """Whether the export has every optional log a part of its figures needs (its
        metric prefix; none given: the domain's own name)."""
        return not ctx.missing_logs(self.logs[part or self.name])

    def no_log_text(self, ctx: ReportContext, part: str | None = None) -> str:
        """What a section of that part says when a log it needs is not in the export."""
        return ctx.no_log_text(self.logs[part or self.name])

    def work_list(self, name: str) -> WorkList:
        """Its list called ``name``."""
        for found in self.lists:
            if found.name == name:
                return found
        raise KeyError(f"{self.name} has no work list {name!r}")

    def list_name(self, work_list: WorkList) -> str:
        """A list's qualified name: its CSV file's, its download's and its memo key."""
        return f"{self.name}.{work_list.name}"

    def list_frame(self, ctx: ReportContext, work_list: WorkList | str) -> pd.DataFrame:
        """The rows of one of its lists (or the list called so) for the report's month."""
        if isinstance(work_list, str):
            work_list = self.work_list(work_list)
        if work_list.make is not None:
            return work_list.make(ctx)
        assert self.queries is not None, self.name
        frame = self.queries.run(ctx, work_list.name)
        if work_list.standing:
            before = self.queries.run(replace(ctx, period=ctx.period.shift(-1)), work_list.name)
            frame[NEW] = _new_rows(frame, before, list(work_list.standing))
        return frame

    def lists_made(self, ctx: ReportContext) -> tuple[WorkList, ...]:
        """Its lists the month has: those whose logs the export has."""
        return tuple(w for w in self.lists if not ctx.missing_logs(w.logs))

    def work_lists(self, ctx: ReportContext) -> dict[str, pd.DataFrame]:
        """Its lists for the month, by qualified name: those whose logs the export has."""
        return {self.list_name(w): self.list_frame(ctx, w) for w in self.lists_made(ctx)}

    def clock_frame(self, ctx: ReportContext, clock: Clock, days: int) -> pd.DataFrame:
        """One of its clocks as of the report's last day: missed and due within ``days``."""
        assert self.queries is not None, self.name
        return self.queries.run(ctx, clock.name, {"days": days})

    def cause_frame(self, ctx: ReportContext, cause: Cause) -> pd.DataFrame:
        """What one of its figures comes down to in the report's month, largest first."""
        assert self.queries is not None, self.name
        return self.queries.run(ctx, cause.name)

    def tables_of(self, metric: str) -> tuple[str, ...]:
        """The export tables one of its metrics is computed from."""
        return tuple(self.columns_read(metric))

    def columns_read(self, metric: str) -> dict[str, tuple[str, ...]]:
        """Each export table one of its metrics reads, with the columns it reads (empty:
        every column)."""
        declared = self.reads.get(metric.split(".")[0])
        tables = dict(declared if declared is not None else {t: () for t in self.tables})
        for table, columns in self.metric_reads.get(metric, {}).items():
            known = tables.get(table)
            every = not columns or (table in tables and not known)
            tables[table] = () if every else (*(known or ()), *columns)
        return tables

    @property
    def all_tables(self) -> tuple[str, ...]:
        """Every export table any of its figures reads."""
        extra = (t for tables in self.metric_reads.values() for t in tables)
        return tuple(dict.fromkeys((*self.tables, *extra)))

    @property
    def metric_prefixes(self) -> tuple[str, ...]:
        """The names its metrics start with ('requests', 'ccpa')."""
        return tuple(dict.fromkeys(m.split(".")[0] for m in self.metric_names))

    @property
    def notebooks(self) -> tuple[str, ...]:
        """Its notebooks' file names: the monthly one first."""
        return (f"{self.name}.ipynb", *(f"{n}.ipynb" for n in self.on_request))


def monthly(
    queries: Queries,
    name: str,
    *,
    grid: tuple[str, str] | None = None,
    params: Callable[[ReportContext, list[Period]], dict] | None = None,
    passes: Passes | None = None,
) -> MonthlyFrame:
    """The frame of ``name.sql`` over consecutive months (its rows carry their ``period``),
    kept month by month (``memo.by_month``): ``grid`` makes its segment grid, ``params``
    adds what it binds from the months, ``passes`` splits a big log's months."""

    def frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
        given = params(ctx, periods) if params else None
        return queries.run(ctx, name, given, months=periods, grid=grid)

    return by_month(frame, passes=passes, what=f"frame {queries.package}.{name}")


def count_rows(
    frame: pd.DataFrame,
    prefix: str,
    names: tuple[str, ...],
    segments: Mapping[str, tuple[str, ...]] | None = None,
) -> list[MetricRow]:
    """One month's count rows: each of ``names`` (a column) per segment, as the metric
    ``prefix.name``; ``segments`` limits a metric to the segments its rule applies to."""
    out: list[MetricRow] = []
    records = _records(frame)
    for name in names:
        metric = f"{prefix}.{name}"
        only = (segments or {}).get(metric)
        out += [
            row(metric, int(r[name]), r["segment"])
            for r in records
            if only is None or r["segment"] in only
        ]
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A month's small frame as one dict per segment: read once for all its metrics (a
    pass of ``itertuples`` per metric made a named tuple class each time, about a third of
    the overview's history on the sample)."""
    return frame.to_dict("records")


def value_rows(
    frame: pd.DataFrame, metric: str, column: str, only: tuple[str, ...] | None = None
) -> list[MetricRow]:
    """One month's rows of a measured value (a median, a share): ``column`` per segment,
    None where it is missing (an empty population); ``only``: the segments it applies to."""
    return [
        row(metric, number(r[column]), r["segment"])
        for r in _records(frame)
        if only is None or r["segment"] in only
    ]


def rate_rows(
    frame: pd.DataFrame,
    metric: str,
    numerator: str,
    denominator: str,
    only: tuple[str, ...] | None = None,
) -> list[MetricRow]:
    """One month's rows of a rate: ``numerator / denominator`` per segment, None over an
    empty population; ``only``: the segments it applies to."""
    return [
        row(metric, rate(int(r[numerator]), int(r[denominator])), r["segment"])
        for r in _records(frame)
        if only is None or r["segment"] in only
    ]


def counts(frame: MonthlyFrame, prefix: str, names: tuple[str, ...]) -> MonthFigures:
    """A domain's metrics that are all counts of one monthly frame: the rows of every
    month asked for, in one pass."""

    def each(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
        found = frame(ctx, periods)
        return {str(p): count_rows(month_of(found, p), prefix, names) for p in periods}

    return MonthFigures(each, what=f"metrics {prefix}")
