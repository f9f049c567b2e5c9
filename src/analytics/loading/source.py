"""Where an export comes from and how its text is read: the source named or configured,
the read options from the settings, and the monthly run's validated snapshot (opened once
per process, so a kernel's notebooks share its views, derived tables and figures)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from analytics.errors import UsageError
from analytics.loading.export import Export, ReadOptions
from analytics.loading.handoff import Handoff
from analytics.loading.kept import FIGURES_FILE
from analytics.loading.loader import open_export
from analytics.loading.snapshot import open_validated, read_snapshot_figures
from analytics.paths import sample_path
from analytics.settings import TABLE_SETTINGS, Settings, load_settings


def resolve_source(source: str | Path | None) -> Path:
    """The export to read: the given path, else the configured one (environment or
    configuration file, as for the command), else the shipped sample."""
    if source:
        return Path(source).expanduser()
    configured = load_settings().source
    return Path(configured) if configured else sample_path()


def read_options(settings: Settings | None = None) -> ReadOptions:
    """How to read the export's text, from the settings (option, environment, file): the
    export's, and each table's own where ``tables`` gives one ([tables.messages])."""
    settings = settings or load_settings()
    values = {name: settings.values.get(name) for name in TABLE_SETTINGS}
    base = _options(values, "", settings.duckdb_schema or "main")
    own = settings.values.get("tables") or {}
    tables = tuple(
        (table, _options({**values, **given}, f"[tables.{table}] ", base.duckdb_schema))
        for table, given in sorted(own.items())
    )
    return replace(base, tables=tables)


def _options(values: dict, where: str, schema: str) -> ReadOptions:
    """One set of read options from the settings' text; ``where`` names a table's own."""
    formats = tuple(f.strip() for f in (values["timestamp_format"] or "").split(";") if f.strip())
    zone = values["timestamp_timezone"]
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"{where}timestamp_timezone {zone!r} is not a time zone") from None
    given = values["csv_encoding"]
    encoding = (given or "utf-8").lower().replace("_", "-")
    encoding = ENCODINGS.get(encoding, encoding)
    if encoding not in set(ENCODINGS.values()):
        raise UsageError(f"{where}csv_encoding {given!r} is not one of utf-8, latin-1, utf-16")
    delimiter = values["csv_delimiter"] or ","
    if delimiter == "\\t":
        delimiter = "\t"
    if len(delimiter) != 1:
        raise UsageError(f"{where}csv_delimiter {delimiter!r} must be one character")
    return ReadOptions(formats, zone, encoding, delimiter, schema)


# the encodings DuckDB reads itself, and the names clinics use for them (cp1252, the
# Windows code page, differs from latin-1 only in rarely used characters such as curly
# quotes and the euro sign, which latin-1 reads as control characters)
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "cp1252": "latin-1",
    "windows-1252": "latin-1",
    "utf-16": "utf-16",
    "utf16": "utf-16",
}


def open_source(source: Path, zone: str | None = None) -> Export:
    """Open the export; read the monthly run's validated snapshot when it is of this source
    and validated in the clinic's time zone ``zone`` (the report's policy's), else validate
    it, reusing the validation kept in ``validation_dir`` when one is set (the command sets
    it beside the reports; a workspace's notebooks have it too)."""
    handoff = Handoff.received()
    if handoff is not None and handoff.serves(source):
        export = _snapshot_opened(handoff.snapshot)
        if zone is None or export.options.clinic_timezone == zone:
            return export
    settings = load_settings()
    keep_in = Path(settings.validation_dir) if settings.validation_dir else None
    options = read_options(settings)
    if zone is not None:
        options = replace(options, clinic_timezone=zone)
    return open_export(source, options=options, keep_in=keep_in)


# the run's snapshot as opened in this process: a kernel of the run opens it once for all
# its notebooks and months (its views, derived tables and figures shared)
_OPENED: dict[Path, tuple[Export, int]] = {}


def _snapshot_opened(folder: Path) -> Export:
    """The snapshot at ``folder``, opened once per process; the figures the run left in it
    are read again whenever the run has written them anew (each month's, before its
    notebooks)."""
    written = _figures_written(folder)
    found = _OPENED.get(folder)
    if found is None or not is_open(found[0]):
        export = open_validated(folder)
    else:
        export, seen = found
        if written != seen:
            export.figures.update(read_snapshot_figures(folder, export.state))
    _OPENED[folder] = (export, written)
    return export


def is_open(export: Export) -> bool:
    """Whether the export's connection still answers (a notebook may have closed it)."""
    try:
        export.con.execute("SELECT 1").fetchall()
    except duckdb.Error:
        return False
    return True


def _figures_written(folder: Path) -> int:
    try:
        return (folder / FIGURES_FILE).stat().st_mtime_ns
    except OSError:
        return 0
