"""Validating a table against the contract in one typed pass: each row's first reason,
the rows stored (quarantined, repeated ids, values that needed cleaning), the views of the
clean rows, and the rows added since a kept validation."""

from __future__ import annotations

import difflib
import json
import os
import re

import duckdb

from analytics.contract import (
    QUARANTINE_REASONS,
    Column,
    Table,
)
from analytics.errors import ExportError
from analytics.loading.export import NO_OPTIONS, ReadOptions, TableSummary
from analytics.loading.kept import KeptTable
from analytics.sql import cap_memory, ident

# --------------------------------------------------------------------------- validation


def _typed_expr(col: Column, raw: str, options: ReadOptions = NO_OPTIONS) -> str:
    """SQL for a column's typed value, from its raw expression."""
    if col.type == "TIMESTAMPTZ" and options.reads_timestamps:
        # the export's own format(s) first (naive: local to $ts_zone), then ISO with offset
        return (
            f"coalesce(timezone($ts_zone, try_strptime(trim({raw}::VARCHAR), $ts_formats)), "
            f"TRY_CAST({raw} AS TIMESTAMPTZ))"
        )
    if col.code_list and col.skip_empty:  # empty elements dropped; none left: NULL
        return (
            "nullif(array_to_string(list_filter(list_transform(string_split("
            f"{raw}::VARCHAR, ','), lambda x: lower(trim(x))), lambda x: x <> ''), ','), '')"
        )
    if col.code_list:
        return (
            f"array_to_string(list_transform(string_split({raw}::VARCHAR, ','), "
            "lambda x: lower(trim(x))), ',')"
        )
    if col.codes:
        return f"nullif(lower(trim({raw}::VARCHAR)), '')"
    if col.type == "VARCHAR":
        return f"nullif(trim({raw}::VARCHAR), '')"
    if col.type == "BOOLEAN":  # trimmed like codes: 'FALSE ' is false
        return f"TRY_CAST(nullif(trim({raw}::VARCHAR), '') AS BOOLEAN)"
    return f"TRY_CAST({raw} AS {col.type})"


def _clean_expr(col: Column, raw: str) -> str:
    """SQL for a column's typed value in a clean row, whose text needs no normalising."""
    return f"{raw}::VARCHAR" if col.type == "VARCHAR" else f"TRY_CAST({raw} AS {col.type})"


FIRST_YEAR, LAST_YEAR = 1800, 2999  # the years a date of the export may hold


def _reason_expr(table: Table) -> str:
    """SQL CASE giving each row the first contract reason that applies, or NULL."""
    cols = table.columns
    q = {c.name: ident(c.name) for c in cols}
    bad_value = " OR ".join(
        ["_unreadable IS NOT NULL"]  # a CSV line that is not a row
        + [
            f"({ident('_raw_' + c.name)} IS NOT NULL AND {q[c.name]} IS NULL)"
            for c in cols
            if c.type != "VARCHAR"
        ]
    )
    bad_value += "".join(f" OR {q[name]} < 0" for name in table.non_negative)
    # a date no clinic's log can hold (a year typed 20261): readable by DuckDB, but every
    # figure over it would fail; it is a bad value, quarantined with the row
    bad_value += "".join(
        f" OR NOT (year({q[c.name]}) BETWEEN {FIRST_YEAR} AND {LAST_YEAR})"
        for c in cols
        if c.type in ("TIMESTAMPTZ", "DATE")
    )
    missing = [f"{q[c.name]} IS NULL" for c in cols if c.required]
    missing += table.rules_for("missing_required")
    unknown = []
    for c in cols:
        allowed = ", ".join("'" + code + "'" for code in c.codes)
        if c.code_list:
            unknown.append(
                f"NOT list_bool_and(list_transform(string_split({q[c.name]}, ','), "
                f"lambda x: x IN ({allowed})))"
            )
        elif c.codes:
            unknown.append(f"{q[c.name]} NOT IN ({allowed})")
    unknown += table.rules_for("unknown_code")
    order = [f"{ident(later)} < {ident(earlier)}" for later, earlier in table.order_rules]
    order += [  # a date before the local date of a timestamp, in the clinic's zone
        f"{ident(day)} < timezone($clinic_tz, {ident(moment)})::DATE"
        for day, moment in table.local_order_rules
    ]
    branches = [
        ("bad_value", bad_value),
        ("missing_required", " OR ".join(missing)),
        ("unknown_code", " OR ".join(unknown)),
        ("bad_order", " OR ".join(order)),
        ("inconsistent_state", " OR ".join(table.rules_for("inconsistent_state"))),
    ]
    whens = " ".join(f"WHEN coalesce({cond}, false) THEN '{r}'" for r, cond in branches if cond)
    return f"CASE {whens} END"


def empty_table(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """An absent optional table reads as empty."""
    con.execute(
        f"CREATE TABLE {ident(table.name)} ("
        + ", ".join(f"{ident(c.name)} {c.type}" for c in table.columns)
        + ")"
    )


def _near_misses(absent: list[str], extra: list[str]) -> dict[str, str]:
    """Absent contract columns whose name the export seems to have misspelt
    (``Disposal_Date`` for ``disposed_at``): case, spaces and underscores aside."""

    def bare(name: str) -> str:
        return name.lower().replace("_", "").replace(" ", "")

    by_bare = {bare(x): x for x in extra}
    found = {}
    for column in absent:
        close = difflib.get_close_matches(bare(column), list(by_bare), n=1, cutoff=0.75)
        if close:
            found[column] = by_bare[close[0]]
    return found


# columns the loader adds to a table as read: its row number, a CSV line's problem
INTERNAL_COLUMNS = ("_row", "file_row_number", "_unreadable")


def raw_view(con: duckdb.DuckDBPyConnection, table: Table, rel) -> tuple[list[str], dict]:
    """Create ``_raw_<table>``: ``_row``, ``_unreadable`` (why a CSV line could not be
    read as a row, else NULL) and every contract column as read, named ``_raw_<column>``
    (NULL when a nullable column is absent). Return the absent columns,
    and those of them the export seems to have under a misspelt name."""
    present: dict[str, str] = {}
    contract = {c.name for c in table.columns}
    for name in rel.columns:
        if name in INTERNAL_COLUMNS:
            continue
        # DuckDB renames a second column of the same name (any case) to NAME_1
        twin = re.fullmatch(r"(.+)_\d+", name.lower())
        if twin and twin[1] in contract and twin[1] in present:
            raise ExportError(
                f"table {table.name!r} has two columns for {twin[1]!r} "
                f"({present[twin[1]]!r} and another of that name, in any case); keep one"
            )
        present[name.lower()] = name
    absent = []
    for c in table.columns:
        if c.name not in present:
            if c.required:
                shown = [c for c in rel.columns if c not in INTERNAL_COLUMNS]
                hint = ""
                found = [ch for ch in "|;\t" if len(shown) == 1 and ch in shown[0]]
                if found:
                    written = json.dumps(found[0])  # as TOML writes it: "|", "\t"
                    hint = f"; its header is one column: set csv_delimiter = {written}"
                raise ExportError(
                    f"table {table.name!r} is missing required column {c.name!r} "
                    f"(it has: {', '.join(shown) or 'no columns'}){hint}"
                )
            absent.append(c.name)
    source = f"_source_{table.name}"
    rel.create_view(source)
    cols = ", ".join(
        f"{ident(present[c.name]) if c.name in present else 'NULL'} AS {ident('_raw_' + c.name)}"
        for c in table.columns
    )
    unreadable = "_unreadable" if "_unreadable" in rel.columns else "NULL::VARCHAR"
    con.execute(
        f"CREATE VIEW {ident('_raw_' + table.name)} AS "
        f"SELECT _row, {unreadable} AS _unreadable, {cols} FROM {ident(source)}"
    )
    extra = [name for key, name in present.items() if key not in contract]
    return absent, _near_misses(absent, extra)


def valid_view(con: duckdb.DuckDBPyConnection, table: Table, stored: str) -> None:
    """Create the table's view: clean rows from the source, plus the stored rows that passed."""
    names = ", ".join(ident(c.name) for c in table.columns)
    clean = ", ".join(
        f"{_clean_expr(c, ident('_raw_' + c.name))} AS {ident(c.name)}" for c in table.columns
    )
    raw = ident("_raw_" + table.name)
    stored_sql = ".".join(ident(part) for part in stored.split("."))
    if con.execute(f"SELECT count(*) FROM {stored_sql}").fetchall()[0][0] == 0:
        con.execute(f"CREATE VIEW {ident(table.name)} AS SELECT {clean} FROM {raw}")
        return
    con.execute(
        f"""
        CREATE VIEW {ident(table.name)} AS
        SELECT {clean} FROM {raw} WHERE _row NOT IN (SELECT _row FROM {stored_sql})
        UNION ALL
        SELECT {names} FROM {stored_sql} WHERE _reason IS NULL
        """
    )


def _layout(rel) -> str:
    """The columns and types of a table as read: another layout is another table."""
    return json.dumps([[n, str(t)] for n, t in zip(rel.columns, rel.types, strict=True)])


def _digest(con: duckdb.DuckDBPyConnection, table: Table, upto: int = 0) -> tuple[int, int, int]:
    """In one scan: the rows up to row ``upto``, the sum of their hashes, and the sum of
    every row's hash (a row's hash covers its number and every value as read). The rows up
    to a number are the rows kept if their count and sum are those kept."""
    raw = ident("_raw_" + table.name)
    values = ", ".join(["_row", "_unreadable"] + [ident("_raw_" + c.name) for c in table.columns])
    n, upto_sum, total = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE _row <= $upto),
            coalesce(sum(h) FILTER (WHERE _row <= $upto), 0), coalesce(sum(h), 0)
        FROM (SELECT _row, hash({values})::HUGEINT AS h FROM {raw})
        """,
        {"upto": upto},
    ).fetchall()[0]
    return n, int(upto_sum), int(total)


def _id_hash(table: Table) -> str:
    """SQL for the hash of a raw row's typed id (equal ids, equal hashes)."""
    return f"hash({_typed_expr(table.column(table.id_column), ident('_raw_' + table.id_column))})"


def _find_repeated_hashes(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """``_repeated_hashes``: the id hashes that occur more than once in the table.

    Equal ids have equal hashes, so sorting the ids' 64-bit hashes and comparing neighbours
    finds every repeated id (plus, rarely, a collision, settled by ``_settle_repeats`` among
    the stored rows; missing ids share the hash of NULL, and their rows are stored anyway).
    Sorting hashes is about twice as fast as grouping tens of millions of distinct ids.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _repeated_hashes AS
        SELECT DISTINCT h FROM (
            SELECT h, lead(h) OVER (ORDER BY h) AS next_h
            FROM (SELECT {_id_hash(table)} AS h FROM {ident("_raw_" + table.name)})
        ) WHERE h = next_h
        """
    )


def _find_repeated_hashes_since(con: duckdb.DuckDBPyConnection, table: Table, since: int) -> int:
    """``_repeated_hashes`` for the rows after row ``since`` (the rows before it validated
    already): the new rows' id hashes that occur twice among them or in an old row. Return
    how many old rows share one (their id is no longer unique: they are validated again)."""
    raw, h = ident("_raw_" + table.name), _id_hash(table)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _new_hashes AS SELECT {h} AS h FROM {raw} WHERE _row > ?",
        [since],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _old_sharing AS
        SELECT _row, {h} AS h FROM {raw}
        WHERE _row <= ? AND {h} IN (SELECT h FROM _new_hashes)
        """,
        [since],
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _repeated_hashes AS
        SELECT h FROM _new_hashes GROUP BY h HAVING count(*) > 1
        UNION SELECT h FROM _old_sharing
        """
    )
    return con.execute("SELECT count(*) FROM _old_sharing").fetchall()[0][0]


def _store_rows(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    options: ReadOptions,
    rows: str = "true",
    params: dict | None = None,
) -> None:
    """Type the raw rows matching ``rows`` (SQL over ``_row``) in one pass, give each the
    first of reasons 1-5, and add to ``_stored_<table>`` those that are not clean: rows that
    break a rule or whose id is in ``_repeated_hashes`` (with the row as read), and rows
    whose text was trimmed or lower-cased. Every other row is read from the source as it
    is, by the table's view."""
    raw = ident("_raw_" + table.name)
    raw_names = [ident("_raw_" + c.name) for c in table.columns]
    typed = [
        f"{_typed_expr(c, ident('_raw_' + c.name), options)} AS {ident(c.name)}"
        for c in table.columns
    ]
    changed = " OR ".join(
        [
            f"{ident('_raw_' + c.name)}::VARCHAR IS DISTINCT FROM {ident(c.name)}"
            for c in table.columns
            if c.type == "VARCHAR"
        ]
        + [  # a boolean or timestamp the clean cast reads otherwise than the typed one
            f"TRY_CAST({ident('_raw_' + c.name)} AS {c.type}) IS DISTINCT FROM {ident(c.name)}"
            for c in table.columns
            if c.type == "BOOLEAN" or (c.type == "TIMESTAMPTZ" and options.reads_timestamps)
        ]
    )
    stored = ident(f"_stored_{table.name}")
    as_read = ", ".join(
        f"{ident(c.name)} := {n}" for c, n in zip(table.columns, raw_names, strict=True)
    )
    bound = dict(params or {})
    if any(c.type == "TIMESTAMPTZ" for c in table.columns):  # DuckDB refuses unused ones
        bound.update(options.params())
    if table.local_order_rules:
        bound["clinic_tz"] = options.zone
    con.execute(
        f"""
        INSERT INTO {stored}
        WITH t AS (
            SELECT _row, _unreadable, {", ".join(raw_names)}, {", ".join(typed)} FROM {raw}
            WHERE {rows}
        ),
        c AS (SELECT *, {_reason_expr(table)} AS _reason,
                     hash({ident(table.id_column)}) IN (SELECT h FROM _repeated_hashes)
                     AS _repeated FROM t)
        SELECT _row, _reason, {", ".join(ident(c.name) for c in table.columns)},
            CASE WHEN _reason IS NOT NULL OR _repeated THEN struct_pack({as_read}) END AS _as_read,
            _unreadable
        FROM c
        WHERE _reason IS NOT NULL OR _repeated OR {changed or "false"}
        """,
        bound or None,
    )


def _create_stored(con: duckdb.DuckDBPyConnection, table: Table, options: ReadOptions) -> None:
    """An empty ``_stored_<table>`` of the shape ``_store_rows`` fills."""
    stored = ident(f"_stored_{table.name}")
    raw = ident("_raw_" + table.name)
    typed = ", ".join(
        f"{_typed_expr(c, ident('_raw_' + c.name), options)} AS {ident(c.name)}"
        for c in table.columns
    )
    as_read = ", ".join(f"{ident(c.name)} := {ident('_raw_' + c.name)}" for c in table.columns)
    con.execute(
        f"""
        CREATE TEMP TABLE {stored} AS
        SELECT _row, NULL::VARCHAR AS _reason, {typed}, struct_pack({as_read}) AS _as_read,
            _unreadable
        FROM {raw} LIMIT 0
        """,
        (options.params() or None) if any(c.type == "TIMESTAMPTZ" for c in table.columns) else None,
    )


def _settle_repeats(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Reasons 6 and 7 among the stored rows that share an id: a later exact copy
    (``duplicate_row``), or different rows (``conflicting_id``), for every row of the id.

    Every row of a repeated id is stored with its row as read (its hash is repeated), so
    the ids that occur more than once among those rows are exactly the repeated ids. The
    reasons are settled afresh each time, so that rows added later settle with the old."""
    stored = ident(f"_stored_{table.name}")
    id_col = ident(table.id_column)
    con.execute(
        f"UPDATE {stored} SET _reason = NULL WHERE _reason IN ('duplicate_row', 'conflicting_id')"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _repeated_ids AS
        SELECT {id_col} AS id FROM {stored}
        WHERE _as_read IS NOT NULL AND {id_col} IS NOT NULL
        GROUP BY 1 HAVING count(*) > 1
        """
    )
    con.execute(
        f"""
        UPDATE {stored} SET _reason = d.reason FROM (
            SELECT _row, CASE WHEN _copy > 1 THEN 'duplicate_row'
                              WHEN _versions > 1 THEN 'conflicting_id' END AS reason
            FROM (
                SELECT _row, _reason,
                    row_number() OVER (PARTITION BY _as_read ORDER BY _row) AS _copy,
                    count(DISTINCT hash(_as_read)) OVER (PARTITION BY {id_col}) AS _versions
                FROM {stored}
                WHERE _as_read IS NOT NULL AND {id_col} IN (SELECT id FROM _repeated_ids)
            ) WHERE _reason IS NULL AND (_copy > 1 OR _versions > 1)
        ) d WHERE {stored}._row = d._row
        """
    )


def _validate_rows(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    options: ReadOptions,
    kept: KeptTable | None,
    keep: bool,
) -> tuple[str, int | None]:
    """Fill ``_stored_<table>``: from what was kept when the table is unchanged, from it and
    the rows added when rows were only added, else from every row. Return which it was
    (``kept``, ``added``, ``full``) and, when ``keep``, the digest of every row."""
    if kept is not None and kept.unchanged:
        con.execute(
            f"CREATE TEMP TABLE {ident('_stored_' + table.name)} AS "
            f"SELECT * FROM {ident('_kept_' + table.name)}"
        )
        return "kept", kept.digest
    _create_stored(con, table, options)
    if kept is not None:
        n, upto, total = _digest(con, table, kept.rows)
        if n == kept.rows and upto == kept.digest:
            _add_rows_since(con, table, options, kept.rows)
            return "added", total
    _find_repeated_hashes(con, table)
    _store_rows(con, table, options)
    return "full", (_digest(con, table)[2] if keep else None)


def _add_rows_since(
    con: duckdb.DuckDBPyConnection, table: Table, options: ReadOptions, since: int
) -> None:
    """Validate the rows after row ``since`` against the kept validation of those before
    it: the kept stored rows, the new rows, and the old rows whose id a new row repeats."""
    stored, kept = ident("_stored_" + table.name), ident("_kept_" + table.name)
    old_sharing = _find_repeated_hashes_since(con, table, since)
    con.execute(f"INSERT INTO {stored} SELECT * FROM {kept}")
    if old_sharing:  # stored again with the row as read: their id is repeated now
        con.execute(
            f"DELETE FROM {stored} WHERE _as_read IS NULL AND _row IN "
            "(SELECT _row FROM _old_sharing)"
        )
        _store_rows(
            con,
            table,
            options,
            f"_row IN (SELECT _row FROM _old_sharing) AND _row NOT IN (SELECT _row FROM {stored})",
        )
    _store_rows(con, table, options, "_row > $since", {"since": since})


def validate_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    rel,
    options: ReadOptions = NO_OPTIONS,
    kept: KeptTable | None = None,
    keep: bool = False,
) -> TableSummary:
    """Validate one table (rows after those ``kept`` validated, when only rows were added)
    and say what it did; with ``keep``, what a later validation needs to reuse this one."""
    summary = TableSummary(table.name, present=rel is not None)
    if rel is None:
        empty_table(con, table)
        return summary
    summary.absent_columns, summary.near_misses = raw_view(con, table, rel)
    summary.layout = _layout(rel)
    if kept is not None and kept.layout != summary.layout:
        kept = None
    summary.validated, digest = _validate_rows(con, table, options, kept, keep)
    summary.digest = None if digest is None else str(digest)
    if summary.validated != "kept":
        _settle_repeats(con, table)
    stored = ident(f"_stored_{table.name}")
    con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, _reason, _row, coalesce(_unreadable, to_json(_as_read)::VARCHAR)
        FROM {stored} WHERE _reason IS NOT NULL ORDER BY _row
        """,
        [table.name],
    )
    summary.rows_read = con.execute(
        f"SELECT count(*) FROM {ident('_raw_' + table.name)}"
    ).fetchall()[0][0]
    counted = dict(
        con.execute(
            "SELECT reason, count(*) FROM quarantine WHERE table_name = ? GROUP BY reason",
            [table.name],
        ).fetchall()
    )
    # in the contract's order of precedence, so that metrics.json is the same run to run
    summary.by_reason = {r: counted[r] for r in QUARANTINE_REASONS if r in counted}
    summary.rows_used = summary.rows_read - summary.rows_quarantined
    valid_view(con, table, f"_stored_{table.name}")
    return summary


def connect(memory_limit: str | None = None, threads: int | None = None):
    """An in-memory connection in UTC, quiet, with the memory and thread caps applied.

    ``memory_limit`` (e.g. ``"3GB"``; default ``$ANALYTICS_MEMORY_LIMIT``) caps DuckDB's
    memory, spilling to the system's temporary folder beyond it; ``threads`` (default
    ``$ANALYTICS_THREADS``) caps its threads.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        quiet(con)
        cap_memory(con, memory_limit or os.environ.get("ANALYTICS_MEMORY_LIMIT"))
        threads = threads or int(os.environ.get("ANALYTICS_THREADS", "0") or 0)
        if threads:
            con.execute("SET threads = ?", [threads])
    except BaseException:
        con.close()
        raise
    return con


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bars on a scheduler's log (inside Jupyter, DuckDB refuses the setting)."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
