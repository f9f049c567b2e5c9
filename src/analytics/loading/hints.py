"""What would read an export's quarantined rows: a hint per problem that names the table
and the setting (encoding, delimiter, timestamp format, schema) that would fix it."""

from __future__ import annotations

import duckdb

from analytics.contract import (
    TABLES,
)
from analytics.loading.export import LIKELY_FORMATS, Export
from analytics.sql import ident


def schema_hint(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Where a .duckdb export keeps the table, when not in the schema read."""
    found = con.execute(
        "SELECT DISTINCT table_schema FROM information_schema.tables "
        "WHERE table_catalog = 'src' AND lower(table_name) = ? ORDER BY 1",
        [table],
    ).fetchall()
    if not found:
        return ""
    schemas = ", ".join(repr(r[0]) for r in found)
    return f" in the schema read; it is in schema {schemas}: set duckdb_schema"


def read_hints(export: Export) -> list[str]:
    """What setting or fix would read what could not be read, in words for whoever
    configures the export: empty files, CSV lines that are not rows, then timestamps."""
    return empty_file_hints(export) + line_hints(export) + timestamp_hints(export)


def empty_file_hints(export: Export) -> list[str]:
    """A 0-byte CSV is read as a table with no rows (a spreadsheet's "nothing"), but it
    may be an export that failed half-way: say so, never in silence."""
    if export.files is None:
        return []
    return [
        f"table {name!r}: {file.name} is empty (0 bytes, not even a header): read as a table "
        "with no rows; if the system that writes it failed, export it again"
        for name, file in export.files.files.items()
        if file.suffix.lower() == ".csv" and file.stat().st_size == 0
    ]


# what each kind of unreadable CSV line (DuckDB's error type) usually means, and the fix
LINE_FIXES = {
    "invalid encoding": "bytes that are not {encoding}: set csv_encoding to the file's "
    '(e.g. "latin-1" for a file saved on Windows)',
    "too many columns": "more fields than the header: a delimiter inside an unquoted value, "
    "or not {delimiter!r} as delimiter (set csv_delimiter)",
    "missing columns": "fewer fields than the header: a line cut short, or not {delimiter!r} "
    "as delimiter (set csv_delimiter)",
    "unquoted value": "an unterminated or stray quote; what follows it up to the next quote "
    "was read as that one line",
}


def line_hints(export: Export) -> list[str]:
    """Per table with CSV lines that could not be read as rows: how many, of what kind,
    the first line number, and the usual fix."""
    found = export.con.execute(
        """
        SELECT table_name, json_extract_string(row_json, '$.unreadable') AS kind,
            count(*), min(json_extract(row_json, '$.line')::BIGINT)
        FROM quarantine
        WHERE reason = 'bad_value' AND json_extract_string(row_json, '$.unreadable') IS NOT NULL
        GROUP BY ALL ORDER BY 1, 3 DESC, 2
        """
    ).fetchall()
    hints = []
    for table, kind, count, first in found:
        fix = next((v for k, v in LINE_FIXES.items() if k in kind), "see the quarantined rows")
        own = export.options.for_table(table)
        what = fix.format(encoding=own.csv_encoding, delimiter=own.csv_delimiter)
        lines = "line" if count == 1 else "lines"
        hints.append(
            f"{count:,} {lines} of {table} could not be read as rows ({kind}; first at line "
            f"{first}): {what}{_for_this_table(export, table, kind)}"
        )
    return hints


def _for_this_table(export: Export, table: str, kind: str) -> str:
    """Where a setting for one file goes: that table's own, when the export has other
    CSV files (an export-wide csv_encoding would read them wrongly instead)."""
    if export.files is None or "encoding" not in kind and "columns" not in kind:
        return ""
    others = [t for t, f in export.files.files.items() if t != table and f.suffix == ".csv"]
    if not others:
        return ""
    setting = "csv_encoding" if "encoding" in kind else "csv_delimiter"
    return (
        f" (for {table} alone: [tables.{table}] {setting} = ... in analytics.toml, or "
        f"--table-option {table}.{setting}=...; set export-wide it applies to every file)"
    )


def timestamp_hints(export: Export) -> list[str]:
    """For each timestamp column with values that could not be read, the format that would
    read every one of them, in words for whoever configures the export."""
    hints = []
    for table in TABLES:
        summary = export.tables.get(table.name)
        if summary is None or not summary.present or not summary.by_reason.get("bad_value"):
            continue
        for col in table.columns:
            if col.type != "TIMESTAMPTZ" or col.name in summary.absent_columns:
                continue
            raw = ident("_raw_" + col.name)
            failing = (
                f"FROM {ident('_raw_' + table.name)} WHERE {raw} IS NOT NULL "
                f"AND TRY_CAST({raw} AS TIMESTAMPTZ) IS NULL"
            )
            total = export.con.execute(f"SELECT count(*) {failing}").fetchall()[0][0]
            if not total:
                continue
            readable = [
                fmt
                for fmt in LIKELY_FORMATS
                if export.con.execute(
                    f"SELECT count(*) {failing} AND try_strptime(trim({raw}::VARCHAR), $f) "
                    "IS NOT NULL",
                    {"f": fmt},
                ).fetchall()[0][0]
                == total
            ]
            if readable:
                formats = " or ".join(f'"{f}"' for f in readable[:2])
                hints.append(
                    f"all {total:,} {col.name} values of {table.name} that could not be read "
                    f"look like {formats}: set timestamp_format to the export's format (and "
                    "timestamp_timezone if they are local times); for this table alone: "
                    f"[tables.{table.name}] in analytics.toml, or --table-option "
                    f"{table.name}.timestamp_format=..."
                )
            else:
                hints.append(
                    f"{total:,} {col.name} values of {table.name} are not timestamps in any "
                    "format the suite knows: see the quarantined rows"
                )
    return hints
