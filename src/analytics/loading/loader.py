"""Open a compliance export, validate it against the contract, quarantine bad rows.

An export is read through an in-memory DuckDB connection and never copied into it. One
pass per table types every value, gives each row the first contract reason it breaks and
stores only the rows that are not clean: quarantined rows, rows sharing an id with
another, and rows whose codes or text needed trimming or lower-casing. Each contract table
is then a view of the same name: the clean rows read straight from the source, plus the
stored rows that passed (codes trimmed and lower-cased, timestamps as TIMESTAMPTZ in UTC).
``quarantine`` holds every row that broke the contract, with its reason and the row as
read. Nothing is dropped: per table, rows read = rows used + rows quarantined. The source
is never written to: a ``.duckdb`` file is attached read-only and files are only read.

Because the tables are views over the source, an export that a report must keep reading
while its source may change (the monthly run) is snapshotted first:
``Export.write_validated`` copies the source's files, byte for byte, next to the
validation's results, and ``open_validated`` opens that snapshot without validating again.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
import re
import shutil
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from analytics.contract import (
    QUARANTINE_REASONS,
    TABLES,
    TABLES_BY_NAME,
    Column,
    Table,
)
from analytics.errors import ExportError
from analytics.loading import kept as keeping
from analytics.loading.kept import KeptTable, folder_for, read_kept, write_kept
from analytics.loading.manifest import read_extracted_at
from analytics.sql import cap_memory, ident

DUCKDB_MAGIC = b"DUCK"
VALIDATION_FILE = "validation.duckdb"


@dataclass(frozen=True)
class ReadOptions:
    """How to read an export's text: the timestamp formats it writes (strptime, e.g.
    ``%m/%d/%Y %I:%M %p``) and the time zone of timestamps written without an offset
    (the contract's default: UTC). Values are bound as parameters, never written into SQL."""

    timestamp_formats: tuple[str, ...] = ()
    timestamp_timezone: str | None = None
    csv_encoding: str = "utf-8"  # utf-8, latin-1 (cp1252 read as latin-1) or utf-16
    csv_delimiter: str = ","
    duckdb_schema: str = "main"  # the schema of a .duckdb export that holds the tables
    # one table's file written otherwise than the rest (a Latin-1 messages.csv beside
    # UTF-8 files): (table, its options), which replace these for that table alone
    tables: tuple[tuple[str, ReadOptions], ...] = ()

    def for_table(self, name: str) -> ReadOptions:
        """How to read table ``name``: its own options, else the export's."""
        return next((o for t, o in self.tables if t == name), replace(self, tables=()))

    @classmethod
    def from_dict(cls, data: dict) -> ReadOptions:
        """Options as ``asdict`` wrote them (a snapshot's, as JSON)."""
        tables = tuple((t, cls.from_dict(o)) for t, o in data.get("tables", ()))
        return cls(
            **{
                **data,
                "timestamp_formats": tuple(data["timestamp_formats"]),
                "tables": tables,
            }
        )

    @property
    def reads_timestamps(self) -> bool:
        return bool(self.timestamp_formats or self.timestamp_timezone)

    def params(self) -> dict:
        """The values ``_typed_expr`` binds when the options are in use."""
        if not self.reads_timestamps:
            return {}
        formats = list(self.timestamp_formats) or list(ISO_NAIVE_FORMATS)
        return {"ts_formats": formats, "ts_zone": self.timestamp_timezone or "UTC"}


# naive ISO timestamps, read in ``timestamp_timezone`` when one is given without formats
ISO_NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
NO_OPTIONS = ReadOptions()
# formats spreadsheets and EHRs write, tried on timestamps that could not be read
LIKELY_FORMATS = (
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y",
)


@dataclass
class TableSummary:
    """What validation did to one table."""

    table: str
    present: bool
    rows_read: int = 0
    rows_used: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    absent_columns: list[str] = field(default_factory=list)
    # an absent contract column -> the export's column whose name is a near miss of it
    near_misses: dict[str, str] = field(default_factory=dict)
    # how its rows were validated: "full", "added" (only rows added since a kept
    # validation) or "kept" (its file unchanged since); and for keeping it: the table's
    # columns and types as read, and the sum of its rows' hashes (``_digest``)
    validated: str = "full"
    layout: str | None = None
    digest: str | None = None

    @property
    def rows_quarantined(self) -> int:
        return sum(self.by_reason.values())


@dataclass
class SourceFiles:
    """Where an export's tables are: one DuckDB database, or one data file per table."""

    form: str
    database: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)

    def paths(self) -> list[Path]:
        return [self.database] if self.database else list(self.files.values())

    def fingerprint(self) -> dict[str, list[int]]:
        """Size and modification time of every file read (a change means a new export)."""
        out = {}
        for p in self.paths():
            st = p.stat()
            out[str(p)] = [st.st_size, st.st_mtime_ns]
        return out

    def file_of(self, table: str) -> Path:
        """The file that holds ``table``."""
        return self.database or self.files[table]


@dataclass
class Export:
    """A validated export: a DuckDB connection holding the contract tables as views."""

    con: duckdb.DuckDBPyConnection
    source: Path
    form: str
    tables: dict[str, TableSummary]
    files: SourceFiles | None = None
    fingerprint: dict[str, list[int]] = field(default_factory=dict)
    options: ReadOptions = NO_OPTIONS  # how its text was read (the snapshot reads it so too)
    # derived tables and views built on this connection, with the key each was built for
    built: dict[str, Hashable] = field(default_factory=dict, repr=False)
    # a month's figures computed on this connection, by (what, period, policy's SHA-256)
    # (``context.per_month``): a run computes each once, for itself, the overview's history
    # and, through the snapshot (``write_figures``), for its notebooks
    figures: dict[tuple[str, str, str], Any] = field(default_factory=dict, repr=False)
    snapshot: Path | None = None  # the snapshot folder this export was opened from
    # where its validation is kept, and the name of its rows as validated: the figures
    # computed over it are kept there too (``keep_figures``), for the next opening
    kept_in: Path | None = None
    state: str | None = None
    # when the export was extracted, as its manifest says (``loading.manifest``); None:
    # it does not say, and its logs' own dates tell how far it reaches
    extracted_at: datetime | None = None
    # how far the export reaches, by time zone and day (``analytics.loading.coverage``)
    coverage: dict[tuple[str, date], Any] = field(default_factory=dict, repr=False)

    def keep_figures(self) -> None:
        """Keep the figures computed over this export beside its kept validation."""
        if self.kept_in is not None and self.state is not None and self.figures:
            keeping.write_figures(self.kept_in, self.state, self.figures)

    def reported_tables(self) -> list[TableSummary]:
        """The tables whose rows the data-quality figures count: every table but an absent
        v2 table (a table the export does not have is not "0 rows": it is not there; a v1
        export's quality figures are the same under contract v2)."""
        return [
            s for s in self.tables.values() if s.present or TABLES_BY_NAME[s.table].added_in == 1
        ]

    def absent_additions(self) -> list[str]:
        """The v2 tables this export does not have: its logs (their domains report "no
        log") and tables read as empty (``patients``); each says so in words."""
        return [
            s.table
            for s in self.tables.values()
            if not s.present and TABLES_BY_NAME[s.table].added_in > 1
        ]

    def absent_logs(self) -> list[str]:
        """The v2 logs this export does not have (their domains report "no log")."""
        return [
            s.table
            for s in self.tables.values()
            if not s.present and TABLES_BY_NAME[s.table].is_log
        ]

    def summary_rows(self) -> list[dict]:
        """One row per table: read, used, quarantined and each reason's count."""
        rows = []
        for s in self.reported_tables():
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

    def write_validated(self, directory: Path) -> None:
        """Snapshot the export into ``directory``: its files as they are, and this
        validation's results (stored rows, quarantine, summaries).

        The monthly run does this once, so that its notebooks open the month's export
        already validated (``open_validated``), and keep reading the same bytes even if the
        source is replaced or deleted while they run.
        """
        if self.files is None:
            raise ExportError("this export was opened from a snapshot; snapshot its source")
        data = directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        copied: dict[str, str] = {}
        if self.files.database:
            shutil.copyfile(self.files.database, data / "export.duckdb")
            copied["*"] = "data/export.duckdb"
        for name, file in self.files.files.items():
            shutil.copyfile(file, data / f"{name}{file.suffix.lower()}")
            copied[name] = f"data/{name}{file.suffix.lower()}"
        if self.files.fingerprint() != self.fingerprint:
            raise ExportError(f"{self.source} changed while it was being read; run again")
        self.con.execute("ATTACH ? AS validated", [str(directory / VALIDATION_FILE)])
        try:
            for s in self.tables.values():
                if s.present:
                    name = ident(f"_stored_{s.table}")
                    self.con.execute(f"CREATE TABLE validated.{name} AS SELECT * FROM {name}")
            self.con.execute("CREATE TABLE validated.quarantine AS SELECT * FROM quarantine")
            self.con.execute(
                "CREATE TABLE validated._summary (source VARCHAR, form VARCHAR, "
                "summaries JSON, files JSON, options JSON, kept_in VARCHAR, state VARCHAR, "
                "extracted_at VARCHAR)"
            )
            self.con.execute(
                "INSERT INTO validated._summary VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    str(self.source),
                    self.form,
                    json.dumps([asdict(s) for s in self.tables.values()]),
                    json.dumps(copied),
                    json.dumps(asdict(self.options)),
                    None if self.kept_in is None else str(self.kept_in),
                    self.state,
                    None if self.extracted_at is None else self.extracted_at.isoformat(),
                ],
            )
        finally:
            self.con.execute("DETACH validated")


def open_validated(directory: Path) -> Export:
    """Open a snapshot written by ``Export.write_validated`` (read-only, not validated again)."""
    con = _connect()
    try:
        con.execute("ATTACH ? AS validated (READ_ONLY)", [str(directory / VALIDATION_FILE)])
        source, form, summaries, copied, read, kept_in, state, extracted = con.execute(
            "SELECT source, form, summaries, files, options, kept_in, state, extracted_at "
            "FROM validated._summary"
        ).fetchall()[0]
        copied = json.loads(copied)
        read = json.loads(read)
        options = ReadOptions.from_dict(read)
        files = SourceFiles(
            form,
            database=directory / copied.pop("*") if "*" in copied else None,
            files={name: directory / rel for name, rel in copied.items()},
        )
        relations = _relations(con, files, options)
        tables = {s["table"]: TableSummary(**s) for s in json.loads(summaries)}
        con.execute("CREATE VIEW quarantine AS SELECT * FROM validated.quarantine")
        for table in TABLES:
            rel = relations.get(table.name)
            if rel is None:
                _empty_table(con, table)
                continue
            _raw_view(con, table, rel)
            _valid_view(con, table, f"validated._stored_{table.name}")
    except BaseException:
        con.close()
        raise
    return Export(
        con=con,
        source=Path(source),
        form=form,
        tables=tables,
        options=options,
        figures=read_snapshot_figures(directory, state),
        snapshot=directory,
        kept_in=None if kept_in is None else Path(kept_in),
        state=state,
        extracted_at=None if extracted is None else datetime.fromisoformat(extracted),
    )


def write_figures(export: Export) -> None:
    """Keep the figures computed so far in the snapshot the export was opened from, for
    the notebooks that open it next (as ``kept.write_figures`` keeps them)."""
    if export.snapshot is not None:
        keeping.write_figures(export.snapshot, export.state or "", export.figures)


def read_snapshot_figures(directory: Path, state: str | None) -> dict:
    """The figures the run left in its snapshot (its own owner-only folder), if any."""
    return keeping.read_figures(directory, state or "")


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
    """One file per table, by name; two files for one contract table (``messages.csv`` and
    ``messages.parquet``) are an error, never a silent choice."""
    found: dict[str, list[Path]] = {}
    for p in sorted(directory.iterdir()):
        if p.suffix.lower() in (".parquet", ".csv") and p.is_file():
            found.setdefault(p.stem.lower(), []).append(p)
    contract = {t.name for t in TABLES}
    for name, files in found.items():
        if name in contract and len(files) > 1:
            raise ExportError(
                f"table {name!r} has {len(files)} files in {directory}: "
                f"{', '.join(f.name for f in files)}; keep the one that holds the table"
            )
    return {name: files[0] for name, files in found.items()}


def _locate(path: Path) -> SourceFiles:
    """Find the export's form and the file(s) holding its tables."""
    if not path.exists():
        raise ExportError(f"no export at {path}: the path does not exist")
    if path.is_file():
        if not _is_duckdb_file(path):
            raise ExportError(
                f"{path} is not an export: a file export must be a DuckDB database "
                "(*.duckdb); Parquet or CSV tables belong in a directory"
            )
        return SourceFiles("duckdb", database=path)
    if (path / "schema.sql").is_file() and (path / "load.sql").is_file():
        form, files = "export_database", _files_from_load_sql(path)
    else:
        form, files = "table_files", _files_by_name(path)
    if not any(t.name in files for t in TABLES):
        raise ExportError(
            f"{path} is not an export: it holds none of the contract's tables "
            f"({', '.join(t.name for t in TABLES)}) as .parquet or .csv files"
        )
    contract = {t.name for t in TABLES}
    files = {name: file for name, file in files.items() if name in contract}
    for name, file in files.items():
        if not file.is_file():
            raise ExportError(f"table {name!r}: file {file} named in load.sql is missing")
    return SourceFiles(form, files=files)


def _relations(
    con: duckdb.DuckDBPyConnection, source: SourceFiles, options: ReadOptions = NO_OPTIONS
) -> dict:
    """Per contract table present, a relation of its rows as read with ``_row``, the
    1-based position of the row in its table (what the quarantine reports)."""
    if source.database is None:
        return {
            name: _read_file(con, name, file, options.for_table(name))
            for name, file in source.files.items()
        }
    try:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(source.database)])
    except duckdb.Error as e:
        raise ExportError(f"{source.database} cannot be opened as a DuckDB database: {e}") from None
    found = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_catalog = 'src' AND table_schema = ?",
        [options.duckdb_schema],
    ).fetchall()
    contract = {t.name for t in TABLES}
    relations = {}
    for name, kind in found:
        if name.lower() not in contract:
            continue
        rel = con.table(f"src.{ident(options.duckdb_schema)}.{ident(name)}")
        if kind != "BASE TABLE":  # a view has no row ids: read it once into memory
            rel = _stored(con, rel, name.lower())
        relations[name.lower()] = rel.project("rowid + 1 AS _row, *")
    return relations


def _stored(con: duckdb.DuckDBPyConnection, rel, name: str):
    stored = f"_read_{name}"
    rel.to_table(stored)
    return con.table(ident(stored))


def _read_file(
    con: duckdb.DuckDBPyConnection, table: str, file: Path, options: ReadOptions = NO_OPTIONS
):
    try:
        if file.suffix.lower() == ".parquet":
            rel = con.read_parquet(str(file), file_row_number=True)
            rel.limit(1).fetchall()  # force a read so a bad file fails here, by name
            return rel.project("file_row_number + 1 AS _row, *")
        return _read_csv(con, table, file, options)
    except duckdb.Error as e:
        kind = "Parquet" if file.suffix.lower() == ".parquet" else "CSV"
        raise ExportError(
            f"table {table!r}: {file} is not a readable {kind} file ({_cause(e, options)})"
        ) from None


# Python's name for each encoding DuckDB reads (utf-8-sig: a spreadsheet's byte-order mark)
PYTHON_CODECS = {"utf-8": "utf-8-sig", "latin-1": "latin-1", "utf-16": "utf-16"}


def _csv_header(table: str, file: Path, options: ReadOptions) -> list[str]:
    """The CSV's column names, read from its first record by Python, not sniffed: a header
    that DuckDB could not read would otherwise be skipped, and the first row taken for it.
    Names are trimmed; an empty one is ``column<i>``; a repeated one (in any case) gets
    ``_<n>``, as DuckDB names it."""
    codec = PYTHON_CODECS.get(options.csv_encoding, options.csv_encoding)
    try:
        with file.open(encoding=codec, errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=options.csv_delimiter, quotechar='"')
            fields = next(reader, [])
    except UnicodeError:  # UTF-16 without a byte-order mark
        fields = ["\ufffd"]
    if any("\ufffd" in x or "\x00" in x for x in fields):
        guess = '"utf-16"' if any("\x00" in x for x in fields) else '"latin-1" or "utf-16"'
        raise ExportError(
            f"table {table!r}: the header line of {file} is not {options.csv_encoding} text: "
            f"set this table's encoding (e.g. [tables.{table}] csv_encoding = {guess} in "
            f"analytics.toml, or --table-option {table}.csv_encoding=...), or csv_encoding "
            "if every file is written so"
        )
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, field_ in enumerate(fields):
        name = field_.strip() or f"column{i}"
        n = seen.get(name.lower(), 0)
        seen[name.lower()] = n + 1
        names.append(f"{name}_{n}" if n else name)
    return names


def _read_csv(con: duckdb.DuckDBPyConnection, table: str, file: Path, options: ReadOptions):
    """Read a CSV into memory (it is slow to parse again per query) with ``_row``, and the
    lines DuckDB could not parse as rows whose ``_unreadable`` says why.

    RFC 4180, as DuckDB writes it, with the export's encoding and delimiter, and the header
    read by ``_csv_header``: never sniffed, so a ';' in the data cannot turn into a
    delimiter. A line that is not a row (wrong number of fields, bytes not in the encoding,
    an unterminated quote) is kept by DuckDB's ``store_rejects`` and placed where it was
    read, so that rows read = rows used + rows quarantined still holds.
    """
    stored = f"_read_{table}"
    if file.stat().st_size == 0:  # a spreadsheet's "no rows": an empty table, not an error
        columns = ", ".join(f"{ident(c.name)} VARCHAR" for c in TABLES_BY_NAME[table].columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(stored)} ({columns})")
        return con.table(ident(stored)).project("rowid + 1 AS _row, *")
    names = _csv_header(table, file, options)
    rejects, scans = f"_rejects_{table}", f"_rejects_scan_{table}"
    con.execute(f"DROP TABLE IF EXISTS {ident(rejects)}; DROP TABLE IF EXISTS {ident(scans)}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(stored)} AS SELECT * FROM read_csv("
        "$file, header = true, auto_detect = false, columns = $columns, sep = $sep, "
        "quote = '\"', escape = '\"', encoding = $encoding, "
        "store_rejects = true, rejects_table = $rejects, rejects_scan = $scans)",
        {
            "file": str(file),
            "columns": {name: "VARCHAR" for name in names},
            "sep": options.csv_delimiter,
            "encoding": options.csv_encoding,
            "rejects": rejects,
            "scans": scans,
        },
    )
    if not con.execute(f"SELECT count(*) FROM {ident(rejects)}").fetchall()[0][0]:
        return con.table(ident(stored)).project("rowid + 1 AS _row, *")
    return _with_unreadable_lines(con, table, stored, rejects)


def _with_unreadable_lines(con: duckdb.DuckDBPyConnection, table: str, stored: str, rejects: str):
    """The rows read and the lines rejected, in the file's order, as one relation.

    DuckDB numbers a rejected line by its record (a quoted line break does not count;
    the header is line 1), so it was row ``line - 1``; the rows read around it are
    renumbered to make room. With thresholds ``k_i = r_i - (i - 1)`` over the rejected
    rows ``r_1 < r_2 < ...``, the k-th row read is row ``k + #{i : k_i <= k}``: an ASOF
    join, and never equal to a rejected row's number.
    """
    lines, out = f"_unreadable_{table}", f"_lines_{table}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {ident(lines)} AS
        SELECT line - 1 AS _row,
            json_object('line', line,
                        'unreadable', string_agg(DISTINCT lower(error_type::VARCHAR), ', '),
                        'text', trim(first(csv_line), E'\r\n'))::VARCHAR AS _unreadable
        FROM {ident(rejects)} GROUP BY line
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {ident(out)} AS
        WITH shifts AS (
            SELECT _k_from, max(_shift) AS _shift FROM (
                SELECT _row - row_number() OVER (ORDER BY _row) + 1 AS _k_from,
                       row_number() OVER (ORDER BY _row) AS _shift
                FROM {ident(lines)}
            ) GROUP BY _k_from
        ),
        read AS (SELECT rowid + 1 AS _k, * FROM {ident(stored)})
        SELECT * EXCLUDE (_k, _k_from, _shift) FROM (
            SELECT _k + coalesce(s._shift, 0) AS _row, r.*, s.*
            FROM read r ASOF LEFT JOIN shifts s ON r._k >= s._k_from
        )
        UNION ALL BY NAME
        SELECT _row, _unreadable FROM {ident(lines)}
        ORDER BY _row
        """
    )
    con.execute(f"DROP TABLE {ident(stored)}")
    return con.table(ident(out))


def _cause(error: duckdb.Error, options: ReadOptions) -> str:
    """DuckDB's reason in one line: its first line, and what it says about the cause
    (an encoding, a delimiter), with the setting that would read the file."""
    lines = [x.strip() for x in str(error).splitlines() if x.strip()]
    cause = [lines[0]] if lines else []
    for line in lines[1:]:
        if "encoded" in line or "encoding" in line.lower() and "solution" not in line.lower():
            cause.append(line)
            break
    text = "; ".join(cause)
    if "not utf-8 encoded" in text or "unicode" in text.lower():
        text += (
            f"; it is not {options.csv_encoding}: set csv_encoding "
            '(e.g. "latin-1" for a file saved on Windows, "utf-16")'
        )
    elif "columns" in text.lower() or "sniff" in text.lower():
        text += f"; is its delimiter {options.csv_delimiter!r}? set csv_delimiter"
    return text


# --------------------------------------------------------------------------- validation


def _typed_expr(col: Column, raw: str, options: ReadOptions = NO_OPTIONS) -> str:
    """SQL for a column's typed value, from its raw expression."""
    if col.type == "TIMESTAMPTZ" and options.reads_timestamps:
        # the export's own format(s) first (naive: local to $ts_zone), then ISO with offset
        return (
            f"coalesce(timezone($ts_zone, try_strptime(trim({raw}::VARCHAR), $ts_formats)), "
            f"TRY_CAST({raw} AS TIMESTAMPTZ))"
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
    branches = [
        ("bad_value", bad_value),
        ("missing_required", " OR ".join(missing)),
        ("unknown_code", " OR ".join(unknown)),
        ("bad_order", " OR ".join(order)),
        ("inconsistent_state", " OR ".join(table.rules_for("inconsistent_state"))),
    ]
    whens = " ".join(f"WHEN coalesce({cond}, false) THEN '{r}'" for r, cond in branches if cond)
    return f"CASE {whens} END"


def _empty_table(con: duckdb.DuckDBPyConnection, table: Table) -> None:
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


def _raw_view(con: duckdb.DuckDBPyConnection, table: Table, rel) -> tuple[list[str], dict]:
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


def _valid_view(con: duckdb.DuckDBPyConnection, table: Table, stored: str) -> None:
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


def _validate_table(
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
        _empty_table(con, table)
        return summary
    summary.absent_columns, summary.near_misses = _raw_view(con, table, rel)
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
    _valid_view(con, table, f"_stored_{table.name}")
    return summary


def _connect(memory_limit: str | None = None, threads: int | None = None):
    """An in-memory connection in UTC, quiet, with the memory and thread caps applied.

    ``memory_limit`` (e.g. ``"3GB"``; default ``$ANALYTICS_MEMORY_LIMIT``) caps DuckDB's
    memory, spilling to the system's temporary folder beyond it; ``threads`` (default
    ``$ANALYTICS_THREADS``) caps its threads.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        _quiet(con)
        cap_memory(con, memory_limit or os.environ.get("ANALYTICS_MEMORY_LIMIT"))
        threads = threads or int(os.environ.get("ANALYTICS_THREADS", "0") or 0)
        if threads:
            con.execute("SET threads = ?", [threads])
    except BaseException:
        con.close()
        raise
    return con


def _schema_hint(con: duckdb.DuckDBPyConnection, table: str) -> str:
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


def open_export(
    source: str | Path,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    options: ReadOptions = NO_OPTIONS,
    keep_in: Path | None = None,
) -> Export:
    """Read and validate an export in any accepted form; raise ExportError if unreadable.

    ``memory_limit`` and ``threads`` cap DuckDB (see ``_connect``). With ``keep_in`` (a
    folder beside the reports), the validation kept there for this export is reused as
    far as the export is unchanged, and this one is kept (``analytics.loading.kept``).
    """
    path = Path(source).expanduser()
    con = _connect(memory_limit, threads)
    try:
        files = _locate(path)
        extracted_at = read_extracted_at(path)
        fingerprint = files.fingerprint()
        relations = _relations(con, files, options)
        for table in TABLES:
            if table.name not in relations and not table.optional:
                raise ExportError(
                    f"{path} is missing required table {table.name!r}"
                    + (_schema_hint(con, table.name) if files.database else "")
                    + ("" if files.database else f" (no {table.name}.parquet or .csv)")
                )
        con.execute(
            "CREATE TABLE quarantine (table_name VARCHAR, reason VARCHAR, "
            "source_row BIGINT, row_json VARCHAR)"
        )
        kept, reading = {}, json.dumps(asdict(options))
        if keep_in is not None:
            keep_in = folder_for(keep_in, path, reading)
            now = {t: _file_entry(files, fingerprint, t) for t in relations}
            kept = read_kept(con, keep_in, reading, now)
        summaries = {
            t.name: _validate_table(
                con,
                t,
                relations.get(t.name),
                options.for_table(t.name),
                kept.get(t.name),
                keep_in is not None,
            )
            for t in TABLES
        }
        state = None
        if keep_in is not None and files.fingerprint() == fingerprint:  # else read mid-change
            entries = _kept_entries(summaries, files, fingerprint)
            write_kept(con, keep_in, path, reading, entries)
            state = keeping.export_state(
                reading, [(t, n, str(d), lay) for t, n, d, lay, _ in entries]
            )
    except ExportError:
        con.close()
        raise
    except duckdb.Error as e:
        con.close()
        first = str(e).splitlines()[0]
        raise ExportError(f"{path} could not be read as an export: {first}") from None
    return Export(
        con=con,
        source=path,
        form=files.form,
        tables=summaries,
        files=files,
        fingerprint=fingerprint,
        options=options,
        figures=keeping.read_figures(keep_in, state) if keep_in and state else {},
        kept_in=keep_in if state is not None else None,
        state=state,
        extracted_at=extracted_at,
    )


def _file_entry(files: SourceFiles, fingerprint: dict[str, list[int]], table: str) -> list:
    """The file holding ``table``: its path, size and modification time (as read)."""
    path = str(files.file_of(table))
    return [path, *fingerprint[path]]


def _kept_entries(
    summaries: dict[str, TableSummary], files: SourceFiles, fingerprint: dict[str, list[int]]
) -> list[tuple[str, int, int, str, list]]:
    """What ``write_kept`` keeps of each table read: rows, digest, layout, file."""
    return [
        (s.table, s.rows_read, int(s.digest), s.layout, _file_entry(files, fingerprint, s.table))
        for s in summaries.values()
        if s.present and s.digest is not None and s.layout is not None
    ]


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bars on a scheduler's log (inside Jupyter, DuckDB refuses the setting)."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
