"""Small SQL helpers shared by every module that writes a query."""

from __future__ import annotations


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
