"""What every report starts from: a validated export, the policy and the period.

``analytics.registry.open_report`` builds it from a notebook's parameters; the domains
read everything they need from it.
"""

from __future__ import annotations

import copy
import functools
import html
import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pandas as pd

from analytics import __version__
from analytics.errors import UsageError
from analytics.loading.coverage import Coverage, coverage
from analytics.loading.kept import FIGURES_FILE
from analytics.loading.loader import (
    Export,
    ReadOptions,
    open_export,
    open_validated,
    read_snapshot_figures,
)
from analytics.paths import sample_path
from analytics.period import Period, has_ended
from analytics.policy import Policy
from analytics.settings import TABLE_SETTINGS, Settings, load_settings

AUDIENCES = ("leadership", "officer")
T = TypeVar("T")


@dataclass
class ReportContext:
    """A validated export with the policy and period a report applies."""

    export: Export
    policy: Policy
    period: Period
    audience: str
    generated_at: datetime
    # the consecutive months computed together in one pass, ending with ``period``
    # (``per_months``); empty: the period alone
    months: tuple[Period, ...] = ()

    @property
    def timezone(self) -> str:
        return self.policy.timezone

    @property
    def span(self) -> list[Period]:
        """The months the context's figures are computed for: ``months``, else the period."""
        return list(self.months) or [self.period]

    @property
    def for_officer(self) -> bool:
        """Whether this report may show the officer's row-level lists (ids, texts)."""
        return self.audience == "officer"

    @property
    def coverage(self) -> Coverage:
        """How far the export reaches (``analytics.loading.coverage``), as of today."""
        return coverage(self.export, self.timezone)

    @property
    def incomplete(self) -> bool:
        """Whether the export does not cover the month to its last day (the month is
        under way, or the export's logs end before it does): its figures count only what
        the logs hold, and none is shown on target."""
        return not self.coverage.covers(self.period)

    def incomplete_text(self) -> str:
        """Why the month is incomplete, in words; empty when it is not."""
        if not self.incomplete:
            return ""
        cov = self.coverage
        if not has_ended(self.period, self.timezone):
            if cov.through is not None and cov.through >= self.period.first_day:
                return (
                    f"{self.period} has not ended; these figures cover it only up to "
                    f"{cov.through} and will change; none is shown on target."
                )
            return (
                f"{self.period} has not ended, and the export does not reach it: "
                f"{cov.gap(self.period)}. None of these figures is shown on target."
            )
        return (
            f"the export does not cover {self.period} to its end: {cov.gap(self.period)}. "
            "These figures count only what those logs hold; none is shown on target."
        )

    def missing_logs(self, logs: tuple[str, ...]) -> list[str]:
        """The optional (v2) logs among ``logs`` that the export does not have: figures
        that need one of them are omitted, never reported as zero."""
        return [log for log in logs if not self.export.tables[log].present]

    def no_log_text(self, logs: tuple[str, ...]) -> str:
        """What a report section says when a log it needs is not in the export."""
        names = " and ".join(m.replace("_", " ") for m in self.missing_logs(logs))
        return (
            f"No {names} log in this export: nothing here is measured (this is not the same "
            "as none)."
        )

    def incomplete_html(self) -> str:
        """A warning that the month is incomplete, or nothing."""
        text = self.incomplete_text()
        if not text:
            return ""
        return (
            f'<p class="incomplete" role="alert"><b>Incomplete month:</b> {html.escape(text)}</p>'
        )

    def banner_html(self, title: str, rule: str) -> str:
        """The header every report opens with: what, for which period, by which rule."""
        e = html.escape
        return (
            f'<div class="report-banner" aria-label="{e(title)}">'
            f"<p><b>Period:</b> {e(str(self.period))} (local dates in {e(self.timezone)}; "
            f"as of {e(self.period.as_of.isoformat())})</p>"
            + self.incomplete_html()
            + f"<p><b>Rule:</b> {e(rule)}</p>"
            f"<p><b>Source:</b> {e(str(self.export.source))} ({e(self.export.form)}) · "
            f"<b>Policy:</b> {e(self.policy.path)} (sha256 {e(self.policy.sha256[:12])}…)</p>"
            f"<p><b>Made:</b> {e(self.generated_at.strftime('%Y-%m-%d %H:%M UTC'))} by "
            f"analytics {e(__version__)}</p>"
            "</div>"
        )


def resolve_source(source: str | Path | None) -> Path:
    """The export to read: the given path, else the configured one (environment or
    configuration file, as for the command), else the shipped sample."""
    if source:
        return Path(source).expanduser()
    configured = load_settings().source
    return Path(configured) if configured else sample_path()


VALIDATED_ENV = "ANALYTICS_VALIDATED"  # "<source path>\n<snapshot folder>"


def read_options(settings: Settings | None = None) -> ReadOptions:
    """How to read the export's text, from the settings (option, environment, file): the
    export's, and each table's own where ``tables`` gives one ([tables.messages])."""
    settings = settings or load_settings()
    values = {name: settings.values.get(name) for name in TABLE_SETTINGS}
    base = _options(values, "", settings.duckdb_schema or "main")
    own = settings.values.get("tables") or {}
    tables = tuple(
        (table, _options({**values, **given}, f"[tables.{table}] ", base.duckdb_schema))
        for table, given in sorted(own.items())
    )
    return replace(base, tables=tables)


def _options(values: dict, where: str, schema: str) -> ReadOptions:
    """One set of read options from the settings' text; ``where`` names a table's own."""
    formats = tuple(f.strip() for f in (values["timestamp_format"] or "").split(";") if f.strip())
    zone = values["timestamp_timezone"]
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"{where}timestamp_timezone {zone!r} is not a time zone") from None
    given = values["csv_encoding"]
    encoding = (given or "utf-8").lower().replace("_", "-")
    encoding = ENCODINGS.get(encoding, encoding)
    if encoding not in set(ENCODINGS.values()):
        raise UsageError(f"{where}csv_encoding {given!r} is not one of utf-8, latin-1, utf-16")
    delimiter = values["csv_delimiter"] or ","
    if delimiter == "\\t":
        delimiter = "\t"
    if len(delimiter) != 1:
        raise UsageError(f"{where}csv_delimiter {delimiter!r} must be one character")
    return ReadOptions(formats, zone, encoding, delimiter, schema)


# the encodings DuckDB reads itself, and the names clinics use for them (cp1252, the
# Windows code page, differs from latin-1 only in rarely used characters such as curly
# quotes and the euro sign, which latin-1 reads as control characters)
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "cp1252": "latin-1",
    "windows-1252": "latin-1",
    "utf-16": "utf-16",
    "utf16": "utf-16",
}


def open_source(source: Path, options: ReadOptions | None = None) -> Export:
    """Open the export; read the monthly run's validated snapshot when it is of this source,
    else validate it, reusing the validation kept in ``validation_dir`` when one is set
    (the command sets it beside the reports; a workspace's notebooks have it too)."""
    handed = os.environ.get(VALIDATED_ENV, "")
    if "\n" in handed:
        for_source, validated = handed.split("\n", 1)
        if Path(for_source) == source.resolve() and Path(validated).is_dir():
            return _snapshot_opened(Path(validated))
    settings = load_settings()
    keep_in = Path(settings.validation_dir) if settings.validation_dir else None
    return open_export(source, options=options or read_options(settings), keep_in=keep_in)


# the run's snapshot as opened in this process: a kernel of the run opens it once for all
# its notebooks and months (its views, derived tables and figures shared)
_OPENED: dict[Path, tuple[Export, int]] = {}


def _snapshot_opened(folder: Path) -> Export:
    """The snapshot at ``folder``, opened once per process; the figures the run left in it
    are read again whenever the run has written them anew (each month's, before its
    notebooks)."""
    written = _figures_written(folder)
    found = _OPENED.get(folder)
    if found is None or not _is_open(found[0]):
        export = open_validated(folder)
    else:
        export, seen = found
        if written != seen:
            export.figures.update(read_snapshot_figures(folder, export.state))
    _OPENED[folder] = (export, written)
    return export


def _is_open(export: Export) -> bool:
    """Whether the export's connection still answers (a notebook may have closed it)."""
    try:
        export.con.execute("SELECT 1").fetchall()
    except duckdb.Error:
        return False
    return True


def _figures_written(folder: Path) -> int:
    try:
        return (folder / FIGURES_FILE).stat().st_mtime_ns
    except OSError:
        return 0


def _figure_key(ctx: ReportContext, what: str, period: Period) -> tuple:
    return (what, str(period), ctx.policy.sha256)


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
    ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.passes = passes  # how a domain reading big logs splits months into passes
        self.what = f"{fn.__module__}.{fn.__qualname__}"

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
):
    """A domain's frame over consecutive months (its rows carry their ``period``), kept
    month by month, per export and policy: the months asked before are taken as they
    were, the others computed in one query (or in ``passes``, for a frame whose query
    holds a big log's rows of every month it computes). A month's metrics, its trend's
    twelve months and the overview's history then read each month's figures once."""
    if fn is None:
        return lambda f: by_month(f, passes=passes)
    what = f"frame {fn.__module__}.{fn.__qualname__}"

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
