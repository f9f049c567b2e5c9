"""An export's validation, kept beside the reports so that it is done once.

Validating every row of a large export is most of the cost of opening it. What a
validation leaves is small (the rows that are not clean, a digest of each table's rows),
so it is kept in an owner-only folder, one per export path and way of reading it; the
next opening of the same export (another month, the monthly run, a notebook in
JupyterLab) reuses it:

- a table whose file has the same size and modification time is not read again;
- a table whose first rows are the rows kept (the usual monthly export: the same history
  with a month added) has only its new rows validated, with the duplicate and
  conflicting-id rules settled across old and new rows alike;
- any other table (history rewritten, columns changed) is validated again in full;
- anything else (another version of the suite, a kept file that cannot be read) means a
  full validation: the kept state is a cache, never a source of truth.

Every kept file has a checksum (``NAME.sha256`` beside it), written after the file is in
place and checked before the file is opened: a file that does not match it (damaged on
disk, half written, changed by hand) is treated as absent, with one log line, and never
loaded. Figures are read only from an owner-only file in an owner-only folder of this
account (a pickle runs what it holds).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.sql import ident

KEPT_FILE = "validation.duckdb"
FIGURES_FILE = "figures.pickle"  # the figures computed over the export as validated
SOURCE_FILE = "source.txt"  # the export's path, so that a folder whose export is gone goes
SUM_SUFFIX = ".sha256"  # a kept file's checksum, beside it

log = logging.getLogger(__name__)


def _sum_path(path: Path) -> Path:
    return path.with_name(path.name + SUM_SUFFIX)


def _digest(data: bytes | Path) -> str:
    if isinstance(data, Path):
        with data.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    return hashlib.sha256(data).hexdigest()


def write_checksum(path: Path, data: bytes | None = None) -> None:
    """Write ``path``'s checksum beside it (after ``path`` is in place): the file's last
    step, so that a reader never trusts a file whose writing did not finish."""
    digest = _digest(path if data is None else data)
    partial = _sum_path(path).with_name(f".{_sum_path(path).name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(digest + "\n")
    os.replace(partial, _sum_path(path))


def verified(path: Path, data: bytes | None = None) -> bool:
    """Whether ``path`` (or ``data``, its bytes as read) matches the checksum kept beside
    it. A file without one, or that does not match, is not to be used: said once in the
    log, and treated as absent."""
    try:
        kept = _sum_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):  # kept by an earlier version, or half written
        log.info("%s has no checksum: not used (made again)", path)
        return False
    try:
        actual = _digest(path if data is None else data)
    except OSError:
        actual = "?"
    if kept != actual:
        log.warning("%s does not match its checksum: not used (made again)", path)
        return False
    return True


def _private(path: Path) -> bool:
    """Whether ``path`` is this account's and no one else can write it."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


@dataclass(frozen=True)
class KeptTable:
    """What an earlier validation of a table left: its stored rows are read into the
    temporary table ``_kept_<table>``."""

    rows: int  # rows read then
    digest: int  # the sum of those rows' hashes (``validation._digest``)
    layout: str  # the table's columns and types as read then
    unchanged: bool  # its file has the size and modification time it had then


def version() -> str:
    """What a kept validation is only valid for: this suite's validation code and DuckDB's
    version (another contract or other rules mean another validation)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(duckdb.__version__.encode())
    parts = ("kept.py", "loader.py", "export.py", "reading.py", "validation.py")
    for part in (*(here / p for p in parts), here.parent / "contract.py"):
        digest.update(part.read_bytes())
    return digest.hexdigest()


@functools.cache
def suite_version() -> str:
    """What kept figures are only valid for: every file of this suite that computes them
    (its Python, SQL and shipped policy), and DuckDB's version."""
    here = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(duckdb.__version__.encode())
    for part in sorted(here.rglob("*")):
        if part.suffix in (".py", ".sql", ".toml") and "__pycache__" not in part.parts:
            digest.update(str(part.relative_to(here)).encode())
            digest.update(part.read_bytes())
    return digest.hexdigest()


def export_state(reading: str, tables: list[tuple]) -> str:
    """A name for the export's rows as validated (per table: name, rows, digest, layout)
    under this suite: equal names, equal figures."""
    text = json.dumps([suite_version(), reading, sorted(tables)])
    return hashlib.sha256(text.encode()).hexdigest()


def read_figures(folder: Path, state: str) -> dict:
    """The figures kept for the export in ``state``, or none. Read only from a folder of
    this account that no one else can write (a pickle runs what it holds)."""
    path = folder / FIGURES_FILE
    try:
        if not path.is_file() or not (_private(folder) and _private(path)):
            return {}
        data = path.read_bytes()
        if not verified(path, data):
            return {}
        kept_state, figures = pickle.loads(data)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, TypeError):
        return {}
    return figures if kept_state == state and isinstance(figures, dict) else {}


def write_figures(folder: Path, state: str, figures: dict) -> None:
    """Keep ``figures`` for the export in ``state`` (owner-only, renamed into place)."""
    if not folder.is_dir():
        return
    partial = folder / f".{FIGURES_FILE}.{os.getpid()}"
    try:
        data = pickle.dumps((state, figures), protocol=pickle.HIGHEST_PROTOCOL)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(partial, folder / FIGURES_FILE)
        write_checksum(folder / FIGURES_FILE, data)
    except (OSError, pickle.PicklingError):
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def folder_for(root: Path, source: Path, reading: str) -> Path:
    """The folder that keeps the validation of the export at ``source`` read as
    ``reading`` (the read options, as JSON)."""
    key = hashlib.sha256(f"{source.resolve()}\n{reading}".encode()).hexdigest()[:24]
    return root / key


def read_kept(
    con: duckdb.DuckDBPyConnection, folder: Path, reading: str, files: dict[str, list]
) -> dict[str, KeptTable]:
    """The tables of the kept validation that may spare work, with their stored rows read
    into ``_kept_<table>``: this export's own (``folder``), else the newest kept for
    another path read the same way (a clinic that exports each month into a new folder:
    the rows it shares with last month's are found by their digest). ``files`` is each
    table's file's [path, size, mtime_ns] now. Nothing when none is usable."""
    others = (
        sorted(
            (f for f in folder.parent.glob(f"*/{KEPT_FILE}") if f.parent != folder),
            key=lambda f: f.stat().st_mtime_ns,
            reverse=True,
        )
        if folder.parent.is_dir()
        else []
    )
    for path in [folder / KEPT_FILE, *others[:1]]:
        found = _read_one(con, path, reading, files)
        if found:
            return found
    return {}


def _read_one(
    con: duckdb.DuckDBPyConnection, path: Path, reading: str, files: dict[str, list]
) -> dict[str, KeptTable]:
    if not path.is_file() or not verified(path):
        return {}
    try:
        con.execute("ATTACH ? AS kept (READ_ONLY)", [str(path)])
    except duckdb.Error:
        return {}
    try:
        about = con.execute("SELECT version, reading FROM kept._about").fetchall()
        if about != [(version(), reading)]:
            return {}
        found = {}
        for table, rows, digest, layout, file in con.execute(
            "SELECT table_name, rows, digest, layout, file FROM kept._tables"
        ).fetchall():
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {ident('_kept_' + table)} AS "
                f"SELECT * FROM kept.{ident('_stored_' + table)}"
            )
            unchanged = table in files and json.loads(file) == files[table]
            found[table] = KeptTable(rows, int(digest), layout, unchanged)
        return found
    except duckdb.Error:
        return {}
    finally:
        con.execute("DETACH kept")


def write_kept(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    source: Path,
    reading: str,
    tables: list[tuple[str, int, int, str, list]],
) -> None:
    """Keep this validation in ``folder`` (owner-only): per table (name, rows read,
    digest, layout, its file's [path, size, mtime_ns]) and its stored rows
    ``_stored_<table>``.

    Written beside and renamed into place, so that a reader sees the old or the new one;
    a failure to write is no failure of the run (the next one validates in full)."""
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    _forget_gone(folder.parent)
    partial = folder / f".{KEPT_FILE}.{os.getpid()}"
    partial.unlink(missing_ok=True)
    try:
        con.execute("ATTACH ? AS keeping", [str(partial)])
        try:
            con.execute("CREATE TABLE keeping._about (version VARCHAR, reading VARCHAR)")
            con.execute("INSERT INTO keeping._about VALUES (?, ?)", [version(), reading])
            con.execute(
                "CREATE TABLE keeping._tables (table_name VARCHAR, rows BIGINT, "
                "digest VARCHAR, layout VARCHAR, file VARCHAR)"
            )
            for table, rows, digest, layout, file in tables:
                con.execute(
                    "INSERT INTO keeping._tables VALUES (?, ?, ?, ?, ?)",
                    [table, rows, str(digest), layout, json.dumps(file)],
                )
                name = ident("_stored_" + table)
                con.execute(f"CREATE TABLE keeping.{name} AS SELECT * FROM {name}")
        finally:
            con.execute("DETACH keeping")
        os.chmod(partial, 0o600)
        (folder / SOURCE_FILE).write_text(str(source.resolve()) + "\n", encoding="utf-8")
        os.replace(partial, folder / KEPT_FILE)
        write_checksum(folder / KEPT_FILE)
    except (duckdb.Error, OSError):
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def _forget_gone(root: Path) -> None:
    """Remove the kept validations of exports that no longer exist."""
    for folder in root.iterdir():
        try:
            source = (folder / SOURCE_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if source and not Path(source).exists():
            shutil.rmtree(folder, ignore_errors=True)
