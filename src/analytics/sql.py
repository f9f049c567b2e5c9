"""Small SQL helpers shared by every module that writes a query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


def ident(name: str) -> str:
    """Quote an identifier for DuckDB (identifiers only: values are always bound)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a string literal, for the few statements DuckDB cannot prepare.

    ``ATTACH`` and ``EXPORT DATABASE`` paths are the only users; everything else binds.
    """
    return "'" + value.replace("'", "''") + "'"


# A CTE of reporting months: bind ``$firsts`` (the months' first days) and ``$tz``.
# ``start_ts``/``end_ts`` bound the months' local days as instants, for timestamp filters.
PERIODS_CTE = """
periods AS (
    SELECT strftime(d, '%Y-%m') AS period, d AS first_day, last_day(d) AS as_of,
        timezone($tz, d::TIMESTAMP) AS start_ts,
        timezone($tz, (last_day(d) + 1)::TIMESTAMP) AS end_ts
    FROM (SELECT unnest($firsts::DATE[]) AS d)
)"""


def has_table(con, name: str) -> bool:
    """Whether the connection already holds a table of that name (a derived table is
    built once per connection and reused by every report that reads it)."""
    return bool(
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[
            0
        ][0]
    )


def period_params(timezone: str, periods) -> dict:
    """The values ``PERIODS_CTE`` binds."""
    return {"tz": timezone, "firsts": [p.first_day for p in periods]}


@dataclass(frozen=True)
class MonthBuckets:
    """SQL placing an instant in one of consecutive reporting months, by comparing it with
    the months' bounds as instants: no time-zone conversion per row (which costs about
    thirty comparisons' time on tens of millions of rows).

    ``label`` is the month ('YYYY-MM') or NULL outside the months; ``within`` is true for
    an instant inside them (a range a Parquet scan can filter on); bind ``params``.
    """

    label: str
    within: str
    params: dict
    within_params: dict  # what ``within`` alone binds (DuckDB refuses unused parameters)


def month_buckets(column: str, timezone: str, periods) -> MonthBuckets:
    """Buckets of ``column`` (an instant) for ``periods``, oldest first and consecutive."""
    names = [str(p) for p in periods]
    if not names or names != [str(periods[0].shift(k)) for k in range(len(periods))]:
        raise ValueError("month buckets need consecutive months, oldest first")
    params: dict = {"tz": timezone, "_m_start": periods[0].first_day}
    start = "timezone($tz, $_m_start::TIMESTAMP)"
    whens = [f"WHEN {column} < {start} THEN NULL"]
    for i, p in enumerate(periods):
        params[f"_m_end{i}"] = p.as_of + timedelta(days=1)
        params[f"_m_name{i}"] = str(p)
        whens.append(f"WHEN {column} < timezone($tz, $_m_end{i}::TIMESTAMP) THEN $_m_name{i}")
    last = f"_m_end{len(periods) - 1}"
    end = f"timezone($tz, ${last}::TIMESTAMP)"
    return MonthBuckets(
        label=f"CASE {' '.join(whens)} END",
        within=f"({column} >= {start} AND {column} < {end})",
        params=params,
        within_params={k: params[k] for k in ("tz", "_m_start", last)},
    )


def in_month(column: str, timezone: str, period) -> tuple[str, dict]:
    """SQL that is true when the instant ``column`` lies in the local month ``period``,
    with the parameters it binds (``tz`` among them)."""
    month = month_buckets(column, timezone, [period])
    return month.within, month.within_params
