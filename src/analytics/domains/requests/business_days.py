"""Business days: Monday to Friday less the policy's holidays, as a DuckDB table.

``business_calendar`` holds one row per date with ``bd_seq``, the count of business days
up to and including that date, so "the N-th business day after D" is the business day
whose ``bd_seq`` is D's plus N: a join, not a loop.
"""

from __future__ import annotations

from datetime import date

import duckdb
import holidays

from analytics.policy import Policy, PolicyError


def holiday_dates(policy: Policy, first_year: int, last_year: int) -> list[tuple[date, str]]:
    """The policy's holidays (python-holidays, observed days included) in those years."""
    bd = policy.business_days
    try:
        found = holidays.country_holidays(
            bd.holiday_country,
            subdiv=bd.holiday_subdivision or None,
            years=range(first_year, last_year + 1),
            categories=tuple(bd.holiday_categories),
        )
    except (NotImplementedError, KeyError, ValueError) as e:
        raise PolicyError(f"policy [business_days]: no such holiday calendar ({e})") from None
    return sorted(found.items())


def install_calendar(
    con: duckdb.DuckDBPyConnection, policy: Policy, first: date, last: date
) -> None:
    """(Re)create ``holiday`` and ``business_calendar`` covering ``first`` to ``last``."""
    con.execute("CREATE OR REPLACE TEMP TABLE holiday (day DATE PRIMARY KEY, name VARCHAR)")
    rows = holiday_dates(policy, first.year, last.year)
    merged: dict[date, str] = {}
    for d, name in rows:
        merged[d] = f"{merged[d]}; {name}" if d in merged else name
    if merged:
        con.executemany("INSERT INTO holiday VALUES (?, ?)", list(merged.items()))
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE business_calendar AS
        WITH days AS (
            SELECT d::DATE AS day FROM range(?::DATE, ?::DATE + 1, INTERVAL 1 DAY) t(d)
        )
        SELECT day,
            isodow(day) <= 5 AND day NOT IN (SELECT day FROM holiday) AS is_business_day,
            sum(CASE WHEN isodow(day) <= 5 AND day NOT IN (SELECT day FROM holiday)
                THEN 1 ELSE 0 END) OVER (ORDER BY day)::INTEGER AS bd_seq
        FROM days ORDER BY day
        """,
        [first, last],
    )


def calendar_span(earliest: date | None, latest: date | None) -> tuple[date, date]:
    """A calendar range wide enough for every deadline counted from these dates.

    Deadlines reach at most a few months past their start, so two spare years suffice.
    """
    lo = earliest or latest or date(2000, 1, 1)
    hi = latest or lo
    return date(lo.year, 1, 1), date(hi.year + 2, 12, 31)
