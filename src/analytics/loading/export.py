"""What an opened export is: its tables as read and validated, how its text was read
(``ReadOptions``), each table's counts (``TableSummary``) and where its files are
(``SourceFiles``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from analytics.contract import (
    QUARANTINE_REASONS,
    TABLES_BY_NAME,
)
from analytics.errors import ExportError
from analytics.loading import kept as keeping
from analytics.sql import ident

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
    # the clinic's time zone (the policy's): a contract rule on a local date reads it (an
    # authorization may not end before the local date it was signed); None: the
    # configured policy's (``open_export``)
    clinic_timezone: str | None = None
    # one table's file written otherwise than the rest (a Latin-1 messages.csv beside
    # UTF-8 files): (table, its options), which replace these for that table alone
    tables: tuple[tuple[str, ReadOptions], ...] = ()

    def for_table(self, name: str) -> ReadOptions:
        """How to read table ``name``: its own options, else the export's."""
        own = next((o for t, o in self.tables if t == name), self)
        return replace(own, tables=(), clinic_timezone=self.clinic_timezone)

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
    def zone(self) -> str:
        """The clinic's time zone the local-date rules read (set by ``open_export``)."""
        assert self.clinic_timezone is not None, "open_export sets the clinic's zone"
        return self.clinic_timezone

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
    # columns and types as read, and the sum of its rows' hashes (``validation._digest``)
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
