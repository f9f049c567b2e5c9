"""Open a compliance export, validate it against the contract, quarantine bad rows.

``open_export`` is the one way in: it locates the tables (``reading``), validates each
(``validation``) or reuses the validation kept for it (``kept``), and hands back an
``Export`` (``export``); the snapshot of the monthly run is ``snapshot``'s, the hints on
what would read its quarantined rows ``hints``'.

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

import json
from dataclasses import asdict, replace
from pathlib import Path

import duckdb

from analytics.contract import TABLES
from analytics.errors import ExportError
from analytics.loading import kept as keeping
from analytics.loading.export import NO_OPTIONS, Export, ReadOptions, SourceFiles, TableSummary
from analytics.loading.hints import schema_hint
from analytics.loading.kept import folder_for, read_kept, write_kept
from analytics.loading.manifest import read_extracted_at
from analytics.loading.reading import locate, table_relations
from analytics.loading.validation import connect, validate_table
from analytics.policy import clinic_timezone
from analytics.settings import load_settings


def open_export(
    source: str | Path,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    options: ReadOptions = NO_OPTIONS,
    keep_in: Path | None = None,
) -> Export:
    """Read and validate an export in any accepted form; raise ExportError if unreadable.

    ``options.clinic_timezone`` is the zone of the contract's local-date rules (default:
    the configured policy's). ``memory_limit`` and ``threads`` cap DuckDB (see
    ``connect``). With ``keep_in`` (a folder beside the reports), the validation kept there
    for this export is reused as far as the export is unchanged and validated in the same
    zone, and this one is kept (``analytics.loading.kept``).
    """
    path = Path(source).expanduser()
    if options.clinic_timezone is None:  # the configured policy's, as a report would read
        options = replace(options, clinic_timezone=clinic_timezone(load_settings().policy))
    con = connect(memory_limit, threads)
    try:
        files = locate(path)
        extracted_at = read_extracted_at(path)
        fingerprint = files.fingerprint()
        relations = table_relations(con, files, options)
        for table in TABLES:
            if table.name not in relations and not table.optional:
                raise ExportError(
                    f"{path} is missing required table {table.name!r}"
                    + (schema_hint(con, table.name) if files.database else "")
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
            t.name: validate_table(
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
