"""Which months an export covers: one rule for the run, the notebooks, the accounting,
the breach log and the default month.

A month the export does not reach is not a month where nothing happened: its figures
would be zeros, and zeros look like compliance. So a day is *covered* when

- the export says it was extracted after the day ended (its manifest's ``extracted_at``,
  ``analytics.loading.manifest``), or, when it does not say,
- every continuous log (``Table.continuous``: texts, consent changes, disclosures, record
  access, visits) that has rows reaches that day. Rows dated after today, or after the
  extraction, are no evidence (a preference effective next year is valid data, not
  coverage). Sparse logs (requests, incidents, complaints, restrictions, preferences)
  can go weeks without a row: they never shorten or widen coverage.

A month is covered when its last day is. A month that has not begun is never reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from analytics.contract import TABLES
from analytics.loading.export import Export
from analytics.loading.manifest import MANIFEST_FILE
from analytics.period import Period, PeriodError, today
from analytics.sql import ident


@dataclass(frozen=True)
class LogSpan:
    """A continuous log's first and last local dates (rows after the cut-off left out)."""

    table: str
    first: date
    last: date


@dataclass(frozen=True)
class Coverage:
    """How far an export reaches, as of ``today`` in the clinic's zone."""

    today: date
    extracted_on: date | None  # the local date of the manifest's extracted_at
    first: date | None  # the first local date of any dated row
    logs: tuple[LogSpan, ...]  # the continuous logs that have rows

    @property
    def cutoff(self) -> date:
        """Rows dated after this day are no evidence of coverage."""
        return min(self.today, self.extracted_on or self.today)

    @property
    def through(self) -> date | None:
        """The last local day the export speaks for in full; None: no day."""
        if self.extracted_on is not None:
            return self.cutoff - timedelta(days=1)
        if not self.logs:
            return None
        return min(min(log.last for log in self.logs), self.today - timedelta(days=1))

    def covers(self, period: Period) -> bool:
        """Whether the export speaks for every day of ``period``."""
        return self.through is not None and period.as_of <= self.through

    def ending_before(self, day: date) -> list[LogSpan]:
        """The continuous logs whose last row is dated before ``day``."""
        return [log for log in self.logs if log.last < day]

    def logs_text(self, day: date) -> str:
        """Which logs end before ``day``, and on which day: 'messages 2026-10-31, ...'."""
        early = self.ending_before(day)
        if not early:
            return ""
        return ", ".join(f"{log.table.replace('_', ' ')} {log.last}" for log in early)

    def gap(self, period: Period) -> str:
        """Why the export does not cover ``period`` (empty when it does), in words."""
        if self.covers(period):
            return ""
        logs = self.logs_text(period.as_of)
        if self.extracted_on is not None:
            said = f"the export was extracted on {self.extracted_on} ({MANIFEST_FILE})"
            return said + (f"; its logs end on: {logs}" if logs else "")
        if not self.logs:
            return (
                "the export holds no dated row of a continuous log (texts, consent "
                "changes, disclosures, record access, visits) and does not say when it was "
                f"extracted ({MANIFEST_FILE})"
            )
        if not logs:  # every log reaches the day, but the day has not ended
            return f"{period} has not ended (today is {self.today})"
        return (
            f"its logs end before {period.as_of}, on: {logs} (no {MANIFEST_FILE} says when it "
            "was extracted)"
        )


def coverage(export: Export, timezone: str, on: date | None = None) -> Coverage:
    """How far ``export`` reaches, as of ``on`` (default today) in ``timezone``; computed
    once per export and day."""
    day = on or today(timezone)
    key = (timezone, day)
    if key not in export.coverage:
        export.coverage[key] = _measure(export, timezone, day)
    return export.coverage[key]


def _measure(export: Export, timezone: str, day: date) -> Coverage:
    extracted_on = (
        None
        if export.extracted_at is None
        else export.extracted_at.astimezone(ZoneInfo(timezone)).date()
    )
    cutoff = min(day, extracted_on or day)
    parts = [
        f"SELECT {i} AS n, min({ident(t.time_column)}) AS lo, max({ident(t.time_column)}) AS hi "
        f"FROM {ident(t.name)} WHERE timezone($tz, {ident(t.time_column)})::DATE <= $cutoff"
        for i, t in enumerate(TABLES)
        if t.time_column
    ]
    found = export.con.execute(
        "SELECT n, timezone($tz, lo)::DATE, timezone($tz, hi)::DATE "
        f"FROM ({' UNION ALL '.join(parts)}) ORDER BY n",
        {"tz": timezone, "cutoff": cutoff},
    ).fetchall()
    logs = tuple(
        LogSpan(TABLES[n].name, lo, hi)
        for n, lo, hi in found
        if TABLES[n].continuous and hi is not None
    )
    firsts = [lo for _, lo, _ in found if lo is not None]
    return Coverage(day, extracted_on, min(firsts) if firsts else None, logs)


def check_period(
    export: Export, period: Period, timezone: str, *, partial: bool, on: date | None = None
) -> Coverage:
    """Refuse a month that has not begun, that lies before the export's first row, or
    (unless ``partial``) that the export does not cover to its last day. Exit 2, naming
    the logs that end early."""
    cov = coverage(export, timezone, on)
    if period.first_day > cov.today:
        raise PeriodError(
            f"period {period} has not begun (today is {cov.today} in {timezone}): a month "
            "is reported once it has begun, and in full once the export covers it"
        )
    if cov.first is None:
        raise PeriodError("the export holds no dated rows")
    if period.as_of < cov.first:
        raise PeriodError(
            f"period {period} is before the export's first record ({cov.first}): choose a "
            f"month from {Period(cov.first.year, cov.first.month)} on"
        )
    if not partial and period.as_of >= cov.today:
        raise PeriodError(
            f"period {period} has not ended yet in {timezone}: pass --partial to report it "
            "anyway (every page then says the month is incomplete)"
        )
    if not partial and not cov.covers(period):
        raise PeriodError(
            f"period {period} is not covered by the export: {cov.gap(period)}. Use a newer "
            "export, or pass --partial to report it anyway (every page then says which logs "
            "end when, and no figure is shown on target)"
        )
    return cov


def default_period(export: Export, timezone: str, on: date | None = None) -> Period:
    """The last calendar month that has ended and that the export covers to its last day."""
    cov = coverage(export, timezone, on)
    through = cov.through
    if through is None:
        raise PeriodError(f"no month can be chosen: {cov.gap(Period(cov.today.year, 1))}")
    month = Period(through.year, through.month)
    chosen = month if through == month.as_of else month.shift(-1)
    if cov.first is None or chosen.as_of < cov.first:
        raise PeriodError(
            f"the export covers no whole month: it reaches {through}; "
            f"{cov.logs_text(cov.today) or 'pass --period with --partial'}"
        )
    return chosen


def day_gap(export: Export, timezone: str, day: date) -> str:
    """Why the export does not speak for ``day`` (an accounting's or a breach log's
    as-of date), in words; empty when it does."""
    cov = coverage(export, timezone)
    through = cov.through
    if through is not None and day <= through:
        return ""
    reason = cov.gap(Period(day.year, day.month)) or f"{day} has not ended"
    if through is None:
        return f"{day} is not covered: {reason}"
    return (
        f"{day} is after the last day the export covers ({through}): {reason}; use {through} "
        "or a newer export"
    )


__all__ = ["Coverage", "LogSpan", "day_gap", "check_period", "coverage", "default_period"]
