"""Reading an export's files: where each table is (a ``.duckdb`` file, an ``EXPORT
DATABASE`` folder, one file per table), and each file as DuckDB reads it (CSV as RFC
4180 with its header as written, its unreadable lines kept as rows to quarantine)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from analytics.contract import (
    TABLES,
    TABLES_BY_NAME,
)
from analytics.errors import ExportError
from analytics.loading.export import DUCKDB_MAGIC, NO_OPTIONS, ReadOptions, SourceFiles
from analytics.sql import ident

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


def locate(path: Path) -> SourceFiles:
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


def table_relations(
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
