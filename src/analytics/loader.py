"""Open a compliance export, validate it against the contract, quarantine bad rows.

An export is read into an in-memory DuckDB connection. For every contract table the
connection then holds a typed, validated table of the same name (codes trimmed and
lower-cased, timestamps as TIMESTAMPTZ in UTC), and ``quarantine`` holds every row that
broke the contract, with its reason. Nothing is dropped: per table, rows read = rows used +
rows quarantined. The source is never written to: a ``.duckdb`` file is attached
read-only and files are only read.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from analytics.contract import QUARANTINE_REASONS, REQUEST_TYPES_BY_REGIME, TABLES, Column, Table
from analytics.sql import ident

DUCKDB_MAGIC = b"DUCK"


class ExportError(Exception):
    """An export that cannot be read at all: the message says what and where."""


@dataclass
class TableSummary:
    """What validation did to one table."""

    table: str
    present: bool
    rows_read: int = 0
    rows_used: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    absent_columns: list[str] = field(default_factory=list)

    @property
    def rows_quarantined(self) -> int:
        return sum(self.by_reason.values())


@dataclass
class Export:
    """A validated export: a DuckDB connection holding the contract tables."""

    con: duckdb.DuckDBPyConnection
    source: Path
    form: str
    tables: dict[str, TableSummary]

    def summary_rows(self) -> list[dict]:
        """One row per table: read, used, quarantined and each reason's count."""
        rows = []
        for s in self.tables.values():
            row = {
                "table": s.table,
                "present": s.present,
                "rows_read": s.rows_read,
                "rows_used": s.rows_used,
                "rows_quarantined": s.rows_quarantined,
            }
            row.update({r: s.by_reason.get(r, 0) for r in QUARANTINE_REASONS})
            rows.append(row)
        return rows

    def quarantine_counts(self) -> list[dict]:
        """Quarantined rows counted by table and reason (the metrics.json shape)."""
        return [
            {"table": s.table, "reason": r, "rows": n}
            for s in self.tables.values()
            for r, n in s.by_reason.items()
            if n
        ]

    def close(self) -> None:
        self.con.close()

    def write_validated(self, path: Path) -> None:
        """Write the validated tables, the quarantine and the summaries to a DuckDB file.

        The monthly run writes this once, so that its notebooks open the month's export
        already validated (``open_validated``) instead of each validating it again.
        """
        self.con.execute("ATTACH ? AS validated", [str(path)])
        try:
            for name in [t.name for t in TABLES] + ["quarantine"]:
                self.con.execute(
                    f"CREATE TABLE validated.{ident(name)} AS SELECT * FROM {ident(name)}"
                )
            self.con.execute(
                "CREATE TABLE validated._summary (source VARCHAR, form VARCHAR, summaries JSON)"
            )
            self.con.execute(
                "INSERT INTO validated._summary VALUES (?, ?, ?)",
                [
                    str(self.source),
                    self.form,
                    json.dumps([asdict(s) for s in self.tables.values()]),
                ],
            )
        finally:
            self.con.execute("DETACH validated")


def open_validated(path: Path) -> Export:
    """Open an export validated earlier by ``Export.write_validated`` (read-only)."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    _quiet(con)
    con.execute("ATTACH ? AS validated (READ_ONLY)", [str(path)])
    source, form, summaries = con.execute(
        "SELECT source, form, summaries FROM validated._summary"
    ).fetchall()[0]
    for name in [t.name for t in TABLES] + ["quarantine"]:
        con.execute(f"CREATE VIEW {ident(name)} AS SELECT * FROM validated.{ident(name)}")
    tables = {s["table"]: TableSummary(**s) for s in json.loads(summaries)}
    return Export(con=con, source=Path(source), form=form, tables=tables)


# --------------------------------------------------------------------------- sources


def _is_duckdb_file(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(12)
    return head[8:12] == DUCKDB_MAGIC


def _files_from_load_sql(directory: Path) -> dict[str, Path]:
    """Map table names to data files as named in an EXPORT DATABASE ``load.sql``.

    Paths in load.sql are those of the machine that exported; only the file name is
    kept and looked up inside ``directory``.
    """
    text = (directory / "load.sql").read_text(encoding="utf-8", errors="replace")
    found = {}
    for m in re.finditer(r"COPY\s+\"?([\w.]+?)\"?\s+FROM\s+'((?:[^']|'')*)'", text, re.IGNORECASE):
        table = m.group(1).split(".")[-1].lower()
        found[table] = directory / Path(m.group(2).replace("''", "'")).name
    return found


def _files_by_name(directory: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in sorted(directory.iterdir()):
        if p.suffix.lower() in (".parquet", ".csv") and p.is_file():
            found.setdefault(p.stem.lower(), p)
    return found


def _raw_relations(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, dict]:
    """Return the export's form and, per table name present, a raw relation."""
    if not path.exists():
        raise ExportError(f"no export at {path}: the path does not exist")
    if path.is_file():
        if not _is_duckdb_file(path):
            raise ExportError(
                f"{path} is not an export: a file export must be a DuckDB database "
                "(*.duckdb); Parquet or CSV tables belong in a directory"
            )
        try:
            con.execute("ATTACH ? AS src (READ_ONLY)", [str(path)])
        except duckdb.Error as e:
            raise ExportError(f"{path} cannot be opened as a DuckDB database: {e}") from None
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'src' AND table_schema = 'main'"
            ).fetchall()
        ]
        return "duckdb", {n.lower(): con.table(f"src.main.{ident(n)}") for n in names}

    if (path / "schema.sql").is_file() and (path / "load.sql").is_file():
        form, files = "export_database", _files_from_load_sql(path)
    else:
        form, files = "table_files", _files_by_name(path)
    if not any(t.name in files for t in TABLES):
        raise ExportError(
            f"{path} is not an export: it holds none of the contract's tables "
            f"({', '.join(t.name for t in TABLES)}) as .parquet or .csv files"
        )
    relations = {}
    for table in TABLES:
        file = files.get(table.name)
        if file is None:
            continue
        if not file.is_file():
            raise ExportError(f"table {table.name!r}: file {file} named in load.sql is missing")
        relations[table.name] = _read_file(con, table.name, file)
    return form, relations


def _read_file(con: duckdb.DuckDBPyConnection, table: str, file: Path):
    try:
        if file.suffix.lower() == ".parquet":
            rel = con.read_parquet(str(file))
        else:
            # RFC 4180, as DuckDB writes it: never sniffed, so a ';' in the data cannot
            # turn into a delimiter
            rel = con.read_csv(
                str(file), header=True, all_varchar=True, sep=",", quotechar='"', escapechar='"'
            )
        rel.limit(1).fetchall()  # force a read so a bad file fails here, by name
        return rel
    except duckdb.Error as e:
        kind = "Parquet" if file.suffix.lower() == ".parquet" else "CSV"
        first = str(e).splitlines()[0]
        raise ExportError(
            f"table {table!r}: {file} is not a readable {kind} file ({first})"
        ) from None


# --------------------------------------------------------------------------- validation


def _typed_expr(col: Column, raw: str) -> str:
    """SQL for a column's typed value, from its raw expression."""
    if col.code_list:
        return (
            f"array_to_string(list_transform(string_split({raw}::VARCHAR, ','), "
            "lambda x: lower(trim(x))), ',')"
        )
    if col.codes:
        return f"nullif(lower(trim({raw}::VARCHAR)), '')"
    if col.type == "VARCHAR":
        return f"nullif(trim({raw}::VARCHAR), '')"
    return f"TRY_CAST({raw} AS {col.type})"


def _reason_expr(table: Table) -> str:
    """SQL CASE giving each row the first contract reason that applies, or NULL."""
    cols = table.columns
    q = {c.name: ident(c.name) for c in cols}
    bad_value = " OR ".join(
        f"({ident('_raw_' + c.name)} IS NOT NULL AND {q[c.name]} IS NULL)"
        for c in cols
        if c.type != "VARCHAR"
    )
    missing = [f"{q[c.name]} IS NULL" for c in cols if c.required]
    if table.name == "messages":
        missing.append("(direction = 'outbound' AND purpose IS NULL)")
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
    if table.name == "requests":
        pairs = " OR ".join(
            f"(regime = '{regime}' AND request_type IN ({', '.join(repr(t) for t in types)}))"
            for regime, types in REQUEST_TYPES_BY_REGIME.items()
        )
        unknown.append(f"NOT ({pairs})")
    order = [f"{ident(later)} < {ident(earlier)}" for later, earlier in table.order_rules]
    branches = [
        ("bad_value", bad_value),
        ("missing_required", " OR ".join(missing)),
        ("unknown_code", " OR ".join(unknown)),
        ("bad_order", " OR ".join(order)),
    ]
    if table.name == "requests":
        branches.append(("inconsistent_state", "(closed_at IS NULL) <> (outcome IS NULL)"))
    whens = " ".join(f"WHEN coalesce({cond}, false) THEN '{r}'" for r, cond in branches if cond)
    return f"CASE {whens} END"


def _validate_table(con: duckdb.DuckDBPyConnection, table: Table, raw) -> TableSummary:
    summary = TableSummary(table.name, present=raw is not None)
    view = f"_raw_{table.name}"
    if raw is None:
        con.execute(
            f"CREATE TABLE {ident(table.name)} ("
            + ", ".join(f"{ident(c.name)} {c.type}" for c in table.columns)
            + ")"
        )
        return summary
    raw.create_view(view)
    present = {c.lower(): c for c in raw.columns}
    for c in table.columns:
        if c.name not in present:
            if c.required:
                raise ExportError(
                    f"table {table.name!r} is missing required column {c.name!r} "
                    f"(it has: {', '.join(raw.columns) or 'no columns'})"
                )
            summary.absent_columns.append(c.name)

    raw_cols = [
        f"{ident(present[c.name])} AS {ident('_raw_' + c.name)}"
        if c.name in present
        else f"NULL AS {ident('_raw_' + c.name)}"
        for c in table.columns
    ]
    raw_names = [ident("_raw_" + c.name) for c in table.columns]
    typed = [f"{_typed_expr(c, ident('_raw_' + c.name))} AS {ident(c.name)}" for c in table.columns]
    id_col = ident(table.id_column)
    id_typed = _typed_expr(table.column(table.id_column), ident(present[table.id_column]))
    stage = ident(f"_valid_{table.name}")
    as_read = ", ".join(
        f"{ident(c.name)} := {n}" for c, n in zip(table.columns, raw_names, strict=True)
    )
    # Ids that occur more than once: the only rows that can be duplicates or conflicts.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _repeated_ids AS
        SELECT {id_typed} AS id FROM {ident(view)}
        WHERE {id_typed} IS NOT NULL GROUP BY 1 HAVING count(*) > 1
        """
    )
    # One pass: typed values, the first of reasons 1-5, and the row as read kept only
    # for rows that may be quarantined (so a clean table is stored once, typed).
    con.execute(
        f"""
        CREATE TEMP TABLE {stage} AS
        WITH r AS (SELECT row_number() OVER () AS _row, {", ".join(raw_cols)} FROM {ident(view)}),
        t AS (SELECT *, {", ".join(typed)} FROM r),
        c AS (SELECT *, {_reason_expr(table)} AS _reason,
                     {id_col} IN (SELECT id FROM _repeated_ids) AS _repeated FROM t)
        SELECT _row, _reason, {", ".join(ident(c.name) for c in table.columns)},
            CASE WHEN _reason IS NOT NULL OR _repeated THEN struct_pack({as_read}) END AS _as_read
        FROM c
        """
    )
    # Reasons 6 and 7 among rows sharing an id: a later exact copy, or different rows.
    con.execute(
        f"""
        UPDATE {stage} SET _reason = d.reason FROM (
            SELECT _row, CASE WHEN _copy > 1 THEN 'duplicate_row'
                              WHEN _versions > 1 THEN 'conflicting_id' END AS reason
            FROM (
                SELECT _row, _reason,
                    row_number() OVER (PARTITION BY _as_read ORDER BY _row) AS _copy,
                    count(DISTINCT hash(_as_read)) OVER (PARTITION BY {id_col}) AS _versions
                FROM {stage}
                WHERE _as_read IS NOT NULL AND {id_col} IN (SELECT id FROM _repeated_ids)
            ) WHERE _reason IS NULL AND (_copy > 1 OR _versions > 1)
        ) d WHERE {stage}._row = d._row
        """
    )
    con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, _reason, _row, to_json(_as_read)::VARCHAR
        FROM {stage} WHERE _reason IS NOT NULL ORDER BY _row
        """,
        [table.name],
    )
    summary.rows_read = con.execute(f"SELECT count(*) FROM {stage}").fetchall()[0][0]
    con.execute(f"DELETE FROM {stage} WHERE _reason IS NOT NULL")
    con.execute(
        f"CREATE VIEW {ident(table.name)} AS SELECT "
        + ", ".join(ident(c.name) for c in table.columns)
        + f" FROM {stage}"
    )
    summary.rows_used = con.execute(f"SELECT count(*) FROM {stage}").fetchall()[0][0]
    summary.by_reason = dict(
        con.execute(
            "SELECT reason, count(*) FROM quarantine WHERE table_name = ? GROUP BY reason",
            [table.name],
        ).fetchall()
    )
    con.execute(f"DROP VIEW {ident(view)}")
    return summary


def open_export(
    source: str | Path, *, memory_limit: str | None = None, threads: int | None = None
) -> Export:
    """Read and validate an export in any accepted form; raise ExportError if unreadable.

    ``memory_limit`` (e.g. ``"3GB"``; default ``$ANALYTICS_MEMORY_LIMIT``) caps DuckDB's
    memory, spilling to the temporary folder beyond it; ``threads`` (default
    ``$ANALYTICS_THREADS``) caps its threads.
    """
    path = Path(source).expanduser()
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        _quiet(con)
        # spill to the system's temporary folder, never to a '.tmp' in the working folder
        con.execute(
            "SET temp_directory = ?", [str(Path(tempfile.gettempdir()) / "analytics-duckdb")]
        )
        memory_limit = memory_limit or os.environ.get("ANALYTICS_MEMORY_LIMIT")
        threads = threads or int(os.environ.get("ANALYTICS_THREADS", "0") or 0)
        if memory_limit:
            try:
                con.execute("SET memory_limit = ?", [memory_limit])
            except duckdb.Error:
                raise ValueError(
                    f"memory limit {memory_limit!r} is not a size such as 3GB"
                ) from None
        if threads:
            con.execute("SET threads = ?", [threads])
        form, raws = _raw_relations(con, path)
        for table in TABLES:
            if table.name not in raws and not table.optional:
                raise ExportError(
                    f"{path} is missing required table {table.name!r}"
                    + ("" if form == "duckdb" else f" (no {table.name}.parquet or .csv)")
                )
        con.execute(
            "CREATE TABLE quarantine (table_name VARCHAR, reason VARCHAR, "
            "source_row BIGINT, row_json VARCHAR)"
        )
        summaries = {t.name: _validate_table(con, t, raws.get(t.name)) for t in TABLES}
        if form == "duckdb":
            con.execute("DETACH src")
    except ExportError:
        con.close()
        raise
    except duckdb.Error as e:
        con.close()
        first = str(e).splitlines()[0]
        raise ExportError(f"{path} could not be read as an export: {first}") from None
    return Export(con=con, source=path, form=form, tables=summaries)


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bars on a scheduler's log (inside Jupyter, DuckDB refuses the setting)."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
