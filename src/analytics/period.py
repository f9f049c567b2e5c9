"""Reporting periods: calendar months in the clinic's time zone.

A period is ``YYYY-MM``. A timestamp is *in the period* when its local date (in the
policy's time zone) falls in that month; the *as-of date* is the period's last local date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from analytics.errors import UsageError

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(UsageError):
    """A period that is not YYYY-MM, has not begun, or that the export does not cover."""


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


def today(timezone: str) -> date:
    """Today's date in the clinic's time zone."""
    return datetime.now(ZoneInfo(timezone)).date()


def last_ended(timezone: str, on: date | None = None) -> Period:
    """The last calendar month that has ended, as of ``on`` (default: today), locally."""
    day = on or today(timezone)
    return Period(day.year, day.month).shift(-1)


def has_ended(period: Period, timezone: str, on: date | None = None) -> bool:
    """Whether the month is over, as of ``on`` (default: today), in the clinic's zone."""
    return period.as_of < (on or today(timezone))
