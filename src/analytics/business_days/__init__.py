"""Business days: Monday to Friday less the policy's holidays (python-holidays).

The holidays become the table ``holiday``; ``business_calendar.sql`` numbers the business
days (``bd_seq``), so "the N-th business day after D" is a join, not a loop. Shared by the
domains whose clocks count business days (requests, the CDPH clock of incidents).
"""

from __future__ import annotations

import functools
from datetime import date

import duckdb
import holidays

from analytics.policy import Policy, PolicyError
from analytics.sql import ident, read_sql


def holiday_dates(policy: Policy, first_year: int, last_year: int) -> list[tuple[date, str]]:
    """The policy's holidays (python-holidays, observed days included) in those years."""
    bd = policy.business_days
    categories = tuple(bd.holiday_categories)
    return list(
        _holidays(bd.holiday_country, bd.holiday_subdivision, categories, first_year, last_year)
    )


@functools.cache
def _holidays(
    country: str, subdivision: str, categories: tuple[str, ...], first_year: int, last_year: int
) -> tuple[tuple[date, str], ...]:
    """One calendar's holidays in those years, computed once per process."""
    try:
        found = holidays.country_holidays(
            country,
            subdiv=subdivision or None,
            years=range(first_year, last_year + 1),
            categories=categories,
        )
    except (NotImplementedError, KeyError, ValueError) as e:
        raise PolicyError(f"policy [business_days]: no such holiday calendar ({e})") from None
    return tuple(sorted(found.items()))


def load_holidays(con: duckdb.DuckDBPyConnection, policy: Policy, first: date, last: date) -> None:
    """(Re)create the table ``holiday``: the policy's holidays from ``first`` to ``last``
    (``business_calendar.sql`` reads it)."""
    con.execute("CREATE OR REPLACE TEMP TABLE holiday (day DATE PRIMARY KEY, name VARCHAR)")
    merged: dict[date, str] = {}
    for d, name in holiday_dates(policy, first.year, last.year):
        merged[d] = f"{merged[d]}; {name}" if d in merged else name
    if merged:  # one statement, not one per holiday
        con.execute(
            "INSERT INTO holiday SELECT unnest(?::DATE[]), unnest(?::VARCHAR[])",
            [list(merged), list(merged.values())],
        )


def calendar_span(earliest: date | None, latest: date | None) -> tuple[date, date]:
    """A calendar range wide enough for every deadline counted from these dates.

    Deadlines reach at most a few months past their start, so two spare years suffice.
    """
    lo = earliest or latest or date(2000, 1, 1)
    hi = latest or lo
    return date(lo.year, 1, 1), date(hi.year + 2, 12, 31)


def build_calendar(
    con: duckdb.DuckDBPyConnection, policy: Policy, table: str, first: date, last: date
) -> None:
    """(Re)create the table ``table``: every date from ``first`` to ``last`` with whether
    it is a business day and ``bd_seq`` (see ``business_calendar.sql``)."""
    load_holidays(con, policy, first, last)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS "
        + read_sql(__name__, "business_calendar"),
        {"first": first, "last": last},
    )
