"""SQL in one place: quoting, reading the .sql files, and the SQL generated from periods.

Fixed queries live in ``.sql`` files beside their domain, one query or view per file, with
named parameters (``$name``) only (``read_sql``). What must be generated stays here: the
month buckets (``month_buckets``, and the ``month_of``/``in_months`` macros built from
them), the ``periods`` table, and the segment grid. ``analytics.compute.queries`` runs the
queries and builds the derived tables they read.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from analytics.errors import UsageError
from analytics.period import Period


def ident(name: str) -> str:
    """Quote an identifier for DuckDB (identifiers only: values are always bound)."""
    return '"' + name.replace('"', '""') + '"'


def cap_memory(con: duckdb.DuckDBPyConnection, memory_limit: str | None) -> None:
    """Spill to the system's temporary folder (never to a '.tmp' in the working folder),
    and cap DuckDB's memory at ``memory_limit`` (e.g. ``"3GB"``) when one is given."""
    con.execute("SET temp_directory = ?", [str(Path(tempfile.gettempdir()) / "analytics-duckdb")])
    if not memory_limit:
        return
    size = memory_bytes(memory_limit)
    if size is None:
        raise UsageError(f"memory limit {memory_limit!r} is not a size such as 3GB")
    if size < MIN_MEMORY:
        raise UsageError(
            f"memory limit {memory_limit!r} is too small: DuckDB needs at least 256MB to read "
            "an export (3GB suits a clinic's month)"
        )
    try:
        con.execute("SET memory_limit = ?", [memory_limit])
    except duckdb.Error:
        raise UsageError(f"memory limit {memory_limit!r} is not a size such as 3GB") from None


MIN_MEMORY = 256 * 1000**2  # bytes: below it DuckDB fails to read even the sample
_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
_UNITS.update({"kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4})


def memory_bytes(text: str) -> float | None:
    """A size written as DuckDB reads it ('3GB', '512 MiB', '2.5gb') in bytes; None if it
    is not one."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*", text.lower())
    if not m:
        return None
    return float(m.group(1)) * _UNITS[m.group(2) or ""]


def literal(value: str) -> str:
    """Quote a string literal, for the few statements DuckDB cannot prepare.

    ``ATTACH`` and ``EXPORT DATABASE`` paths are the only users; everything else binds.
    """
    return "'" + value.replace("'", "''") + "'"


# The reporting months: bind ``$firsts`` (the months' first days) and ``$tz``.
# ``start_ts``/``end_ts`` bound the months' local days as instants, for timestamp filters.
PERIODS_SQL = """
SELECT strftime(d, '%Y-%m') AS period, d AS first_day, last_day(d) AS as_of,
    timezone($tz, d::TIMESTAMP) AS start_ts,
    timezone($tz, (last_day(d) + 1)::TIMESTAMP) AS end_ts
FROM (SELECT unnest($firsts::DATE[]) AS d)
"""


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


@cache
def read_sql(package: str, name: str) -> str:
    """The text of ``name.sql`` in ``package`` (a domain's folder)."""
    return (resources.files(package) / f"{name}.sql").read_text(encoding="utf-8")


# One span of local dates, not a month (a document judged as of a given day): the same
# columns as PERIODS_SQL. Bind ``$label``, ``$first``, ``$as_of`` and ``$tz``.
SPAN_SQL = """
SELECT $label AS period, $first::DATE AS first_day, $as_of::DATE AS as_of,
    timezone($tz, $first::DATE::TIMESTAMP) AS start_ts,
    timezone($tz, ($as_of::DATE + 1)::TIMESTAMP) AS end_ts
"""


def use_span(con: duckdb.DuckDBPyConnection, timezone: str, label: str, first, as_of) -> None:
    """Make one span of local dates, ``first`` to ``as_of``, the ``periods`` table the next
    query reads: for a document judged as of a given day rather than a month's end (the
    ``month_of``/``in_months`` macros are left as they are)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE periods AS " + SPAN_SQL,
        {"label": label, "first": first, "as_of": as_of, "tz": timezone},
    )


def use_months(con: duckdb.DuckDBPyConnection, timezone: str, periods: Sequence[Period]) -> None:
    """Make ``periods`` the months the next query reads: the ``periods`` table and the
    macros ``month_of(ts)`` (the month 'YYYY-MM' of an instant, NULL outside) and
    ``in_months(ts)`` (true inside them). The macros hold the months' bounds as constant
    instants (computed by DuckDB from bound values), so a Parquet scan can skip the rest."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE periods AS " + PERIODS_SQL, period_params(timezone, periods)
    )
    bounds = con.execute(
        "SELECT period, epoch_us(start_ts), epoch_us(end_ts) FROM periods ORDER BY period"
    ).fetchall()
    names = [str(p) for p in periods]
    if not names or names != [str(periods[0].shift(k)) for k in range(len(periods))]:
        raise ValueError("months are read consecutive, oldest first")

    def instant(us: int) -> str:
        return f"make_timestamptz({int(us)}::BIGINT)"

    whens = " ".join(f"WHEN ts < {instant(end)} THEN '{period}'" for period, _, end in bounds)
    first, last = instant(bounds[0][1]), instant(bounds[-1][2])
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO month_of(ts) AS CASE WHEN ts < {first} THEN NULL {whens} END"
    )
    con.execute(f"CREATE OR REPLACE TEMP MACRO in_months(ts) AS (ts >= {first} AND ts < {last})")


def use_segment_grid(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    """The table ``segment_grid``: every period of ``periods`` with every value of
    ``table.column`` that occurs, plus ``all`` (the rows of a figure, found or not)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE segment_grid AS
        SELECT p.period, s.segment
        FROM periods p CROSS JOIN (
            SELECT DISTINCT {ident(column)} AS segment FROM {ident(table)} UNION SELECT 'all'
        ) s
        """
    )
