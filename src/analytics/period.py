"""Reporting periods: calendar months in the clinic's time zone.

A period is ``YYYY-MM``. A timestamp is *in the period* when its local date (in the
policy's time zone) falls in that month; the *as-of date* is the period's last local date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

import duckdb

from analytics.contract import TABLES
from analytics.errors import UsageError
from analytics.sql import ident

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(UsageError):
    """A period that is not YYYY-MM or lies outside the export."""


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD.match(str(text).strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
            raise PeriodError(f"period {text!r} is not a month written YYYY-MM (e.g. 2026-10)")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def as_of(self) -> date:
        """The period's last local date."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def trailing(self, months: int) -> list[Period]:
        """This period and the ``months - 1`` before it, oldest first."""
        return [self.shift(-k) for k in range(months - 1, -1, -1)]


def export_span(con: duckdb.DuckDBPyConnection, timezone: str) -> tuple[date | None, date | None]:
    """The first and last local date of any dated row in the validated export."""
    parts = [
        f"SELECT min({ident(t.time_column)}) AS lo, max({ident(t.time_column)}) AS hi "
        f"FROM {ident(t.name)}"
        for t in TABLES
        if t.time_column
    ]
    row = con.execute(
        f"SELECT timezone(?, min(lo))::DATE, timezone(?, max(hi))::DATE "
        f"FROM ({' UNION ALL '.join(parts)})",
        [timezone, timezone],
    ).fetchall()
    return row[0][0], row[0][1]


def latest_local_date(con: duckdb.DuckDBPyConnection, timezone: str) -> date | None:
    """The latest local date of any dated row in the validated export."""
    return export_span(con, timezone)[1]


def default_period(con: duckdb.DuckDBPyConnection, timezone: str) -> Period:
    """The last calendar month the export fully covers.

    The month of the export's latest local date if that date is the month's last day,
    otherwise the month before it.
    """
    latest = latest_local_date(con, timezone)
    if latest is None:
        raise PeriodError("the export holds no dated rows, so no period can be chosen")
    p = Period(latest.year, latest.month)
    return p if latest == p.as_of else p.shift(-1)
