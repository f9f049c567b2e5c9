"""The month memo: a domain's figures computed once per export, month and policy.

The monthly run computes a month's figures once, for metrics.json, the overview's
history, the work lists and, through its snapshot, for every notebook; a back-fill or the
overview's history computes many months in one pass (``per_months``, ``by_month``).
Figures are kept in ``Export.figures``, keyed by what, month and the policy's hash.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Generic, NamedTuple, TypeVar

import pandas as pd

from analytics.loading.context import ReportContext
from analytics.period import Period

T = TypeVar("T")


class FigureKey(NamedTuple):
    """What a kept figure is: which figure, for which month, under which policy file."""

    what: str  # a metric family, a frame, a work list (``retention.destroyed_early``)
    period: str  # 'YYYY-MM'
    policy: str  # the policy file's SHA-256


def _figure_key(ctx: ReportContext, what: str, period: Period) -> FigureKey:
    return FigureKey(what, str(period), ctx.policy.sha256)


def month_figure(ctx: ReportContext, what: str, compute: Callable[[], T]) -> T:
    """``compute()``, done once per export, month and policy: the monthly run computes a
    month's figures once, for metrics.json, the overview's history, the work lists and,
    through its snapshot, for every notebook. A copy is returned, so a caller that
    changes it changes nothing for the next."""
    key = _figure_key(ctx, what, ctx.period)
    if key not in ctx.export.figures:
        ctx.export.figures[key] = compute()
    return copy.deepcopy(ctx.export.figures[key])


def remember(ctx: ReportContext, what: str, value: object) -> None:
    """Keep a figure of the month computed otherwise, for ``month_figure`` to find."""
    ctx.export.figures[_figure_key(ctx, what, ctx.period)] = value


class MonthFigures(Generic[T]):
    """A domain's figures of a month (``metrics``, ``trends``), computed once per export,
    month and policy (see ``month_figure``), and for many months in one pass: ``fn(ctx,
    periods)`` gives each of ``periods`` (consecutive, oldest first, ``ctx.months``) its
    figures, keyed by 'YYYY-MM'. Calling it gives the context's month; ``prefetch`` computes
    the months a back-fill or the overview's history will ask for, in one pass."""

    def __init__(
        self,
        fn: Callable[[ReportContext, list[Period]], dict[str, T]],
        passes: Callable[[ReportContext, list[Period]], list[list[Period]]] | None = None,
        what: str | None = None,
    ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.passes = passes  # how a domain reading big logs splits months into passes
        self.what = what or f"{fn.__module__}.{fn.__qualname__}"

    def __call__(self, ctx: ReportContext) -> T:
        key = _figure_key(ctx, self.what, ctx.period)
        if key not in ctx.export.figures:
            self.prefetch(ctx, [ctx.period])
        return copy.deepcopy(ctx.export.figures[key])

    def prefetch(self, ctx: ReportContext, periods: list[Period]) -> None:
        """Compute the figures of those of ``periods`` not computed yet, in one pass over
        the consecutive months from the first of them to the last."""
        _compute_missing(
            ctx,
            self.what,
            periods,
            self.passes,
            lambda months: self.fn(replace(ctx, period=months[-1], months=tuple(months)), months),
        )


def _compute_missing(
    ctx: ReportContext,
    what: str,
    periods: list[Period],
    passes: Callable[[ReportContext, list[Period]], list[list[Period]]] | None,
    compute: Callable[[list[Period]], Mapping[str, object]],
) -> None:
    """Keep ``what`` for those of ``periods`` not kept yet: the consecutive months from the
    first of them to the last, computed in one pass (or in ``passes``)."""
    missing = [p for p in periods if _figure_key(ctx, what, p) not in ctx.export.figures]
    if not missing:
        return
    first, last = min(missing), max(missing)
    span = [first.shift(k) for k in range(_months_between(first, last) + 1)]
    for months in passes(ctx, span) if passes else [span]:
        found = compute(months)
        for period in months:
            ctx.export.figures[_figure_key(ctx, what, period)] = found[str(period)]


def _months_between(first: Period, last: Period) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def per_months(
    fn: Callable[[ReportContext, list[Period]], dict[str, T]] | None = None,
    *,
    passes: Callable[[ReportContext, list[Period]], list[list[Period]]] | None = None,
):
    """A domain's figures computed for many months in one pass: see ``MonthFigures``.
    ``passes(ctx, months)``: the months split into consecutive runs, one pass each (a
    domain whose pass holds a big log's rows bounds them)."""
    if fn is None:
        return lambda f: MonthFigures(f, passes)
    return MonthFigures(fn, passes)


def bounded_passes(sizes: dict[str, int], months: list[Period], most: int) -> list[list[Period]]:
    """``months`` split into consecutive runs whose ``sizes`` (rows by 'YYYY-MM') add up to
    at most ``most`` (a month bigger than that alone), oldest first."""
    out: list[list[Period]] = []
    held = 0
    for month in months:
        size = sizes.get(str(month), 0)
        if out and held + size <= most:
            out[-1].append(month)
            held += size
        else:
            out.append([month])
            held = size
    return out


def by_month(
    fn: Callable[[ReportContext, list[Period]], pd.DataFrame] | None = None,
    *,
    passes: Callable[[ReportContext, list[Period]], list[list[Period]]] | None = None,
    what: str | None = None,
):
    """A domain's frame over consecutive months (its rows carry their ``period``), kept
    month by month, per export and policy: the months asked before are taken as they
    were, the others computed in one query (or in ``passes``, for a frame whose query
    holds a big log's rows of every month it computes). A month's metrics, its trend's
    twelve months and the overview's history then read each month's figures once."""
    if fn is None:
        return lambda f: by_month(f, passes=passes, what=what)
    what = what or f"frame {fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def kept(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
        periods = list(periods)
        if not periods or any(b != a.shift(1) for a, b in itertools.pairwise(periods)):
            raise ValueError("months are read consecutive, oldest first")
        _compute_missing(ctx, what, periods, passes, lambda months: _split(fn(ctx, months), months))
        figures = ctx.export.figures
        return pd.concat([figures[_figure_key(ctx, what, p)] for p in periods], ignore_index=True)

    return kept


def _split(frame: pd.DataFrame, months: list[Period]) -> dict[str, pd.DataFrame]:
    """A frame of many months as each month's rows, in their order."""
    return {str(p): frame[frame["period"] == str(p)].reset_index(drop=True) for p in months}


def per_month(fn: Callable[[ReportContext], T]) -> MonthFigures[T]:
    """A domain's figures of a month computed once, a month at a time: see
    ``MonthFigures`` (its ``prefetch`` computes the months one by one)."""

    def each(ctx: ReportContext, periods: list[Period]) -> dict[str, T]:
        return {str(p): fn(replace(ctx, period=p, months=())) for p in periods}

    functools.update_wrapper(each, fn)
    return MonthFigures(each)
