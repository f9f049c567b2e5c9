"""The monthly run's snapshot of an export: its files copied byte for byte beside the
validation's results, opened again without validating (``open_validated``), with the
figures the run computed (``write_figures``, ``read_snapshot_figures``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from analytics.contract import (
    TABLES,
)
from analytics.loading import kept as keeping
from analytics.loading.export import VALIDATION_FILE, Export, ReadOptions, SourceFiles, TableSummary
from analytics.loading.reading import table_relations
from analytics.loading.validation import connect, empty_table, raw_view, valid_view


def open_validated(directory: Path) -> Export:
    """Open a snapshot written by ``Export.write_validated`` (read-only, not validated again)."""
    con = connect()
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
        relations = table_relations(con, files, options)
        tables = {s["table"]: TableSummary(**s) for s in json.loads(summaries)}
        con.execute("CREATE VIEW quarantine AS SELECT * FROM validated.quarantine")
        for table in TABLES:
            rel = relations.get(table.name)
            if rel is None:
                empty_table(con, table)
                continue
            raw_view(con, table, rel)
            valid_view(con, table, f"validated._stored_{table.name}")
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
