"""Writing imported rows into an export folder: merged, never partial.

The rows join what the table's Parquet file holds already: a row identical to one there
is written once (importing a file twice changes nothing), any other row is added (next
month's file; e-mail rows beside text rows; a second record with the same id, which the
run then quarantines as ``conflicting_id``). The file is written beside the old one and
renamed over it once every table of the import is ready.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analytics.contract import Table
from analytics.errors import UsageError
from analytics.sql import ident, literal

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "INTEGER": pa.int64(),
    "BIGINT": pa.int64(),
}
OTHER_FORMS = (".csv", ".csv.gz", ".tsv")


def check_target(into: Path, table: Table) -> Path:
    """The Parquet file of ``table`` in the export folder ``into`` (created if needed);
    a folder holding the table in another form, or a file, is refused."""
    if into.exists() and not into.is_dir():
        raise UsageError(f"--into {into} is a file: give the export's folder")
    for suffix in OTHER_FORMS:
        other = into / f"{table.name}{suffix}"
        if other.exists():
            raise UsageError(
                f"--into {into} holds {other.name}: an import writes {table.name}.parquet and "
                "would leave two files of one table; give a folder of Parquet files"
            )
    if list(into.glob("*.duckdb")) or (into / "load.sql").exists():
        raise UsageError(
            f"--into {into} holds a .duckdb file or a DuckDB EXPORT DATABASE (load.sql): "
            "an import writes a folder of Parquet files, one per table; give another folder"
        )
    return into / f"{table.name}.parquet"


def merge(table: Table, rows: list[dict[str, Any]], target: Path) -> tuple[Path | None, int, int]:
    """Write the table's rows merged with ``target``'s to a file beside it; return that file
    (None: nothing new), the rows added and the rows the table holds then."""
    schema = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in table.columns])
    new = pa.Table.from_pylist(
        [{c.name: r.get(c.name) for c in table.columns} for r in rows], schema=schema
    )
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("new_rows", new)
        columns = ", ".join(
            f"CAST({ident(c.name)} AS {c.type}) AS {ident(c.name)}" for c in table.columns
        )
        parts = [f"SELECT {columns} FROM new_rows"]
        before = 0
        if target.exists():
            try:
                before = con.execute(
                    f"SELECT count(*) FROM read_parquet({literal(str(target))})"
                ).fetchall()[0][0]
                parts.append(f"SELECT {columns} FROM read_parquet({literal(str(target))})")
            except duckdb.Error as e:
                first = str(e).splitlines()[0]
                raise UsageError(f"{target} cannot be merged with: {first}") from None
        leading = [table.time_column, table.id_column] if table.time_column else [table.id_column]
        order = [*leading, *(c for c in table.column_names if c not in leading)]
        con.execute(
            "CREATE TABLE merged AS SELECT DISTINCT * FROM ("
            + " UNION ALL ".join(parts)
            + ") ORDER BY "
            + ", ".join(f"{ident(c)} NULLS LAST" for c in order)
        )
        after = con.execute("SELECT count(*) FROM merged").fetchall()[0][0]
        if after == before:
            return None, 0, after
        pending = target.with_name(f".{target.name}.importing-{os.getpid()}")
        con.execute(f"COPY merged TO {literal(str(pending))} (FORMAT parquet, COMPRESSION zstd)")
        return pending, after - before, after
    finally:
        con.close()
