"""A deterministic, realistic sample export, generated set-wise in DuckDB.

The sample reads like a real clinic's logs for 2025-01 to 2026-10: seasonal request
volumes, every request type, extensions (some notified too late), denials, opt-outs by
keyword in mixed case, a slow-processing month, marketing sent after opt-out and without
consent, minors' records, legal holds, overdue and premature destruction, disclosures of
every purpose, a handful of privacy incidents with their breach notices
(``09_incidents.sql``) and a handful of rows that break the contract (see
``PLANTED_BAD_ROWS``). Each step is a ``.sql`` file in this folder, run in name order.

Randomness comes from ``hash(key, salt, seed)``, so the same seed gives the same rows
whatever the thread count, and no Python loop runs per row.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import duckdb

from analytics.contract import TABLES
from analytics.errors import UsageError
from analytics.loading.manifest import MANIFEST_FILE
from analytics.sql import cap_memory, ident, literal

WINDOW_START = "2025-01-01"
WINDOW_END = "2026-10-31"
# when the sample says it was extracted (its export-manifest.json): the morning of 6
# November, after the last access-log rows, so October is covered and November is not
EXTRACTED_AT = "2026-11-06T16:00:00Z"
WRITTEN_BY = "analytics sample"  # in its manifest: `sample --out` may replace such a folder

# Rows that break the contract on purpose, by table and reason: the quarantine must
# show exactly these.
PLANTED_BAD_ROWS: dict[tuple[str, str], int] = {
    ("consent_events", "duplicate_row"): 1,
    ("consent_events", "unknown_code"): 1,
    ("messages", "conflicting_id"): 2,
    ("messages", "missing_required"): 1,
    ("requests", "bad_order"): 1,
    ("requests", "inconsistent_state"): 1,
    ("disclosures", "missing_required"): 1,
    ("disclosures", "unknown_code"): 1,
    ("records", "bad_order"): 1,
    ("patients", "unknown_code"): 1,
    ("authorizations", "unknown_code"): 1,
    ("authorizations", "bad_order"): 1,
}


_SOURCES = {
    "consent_events": "g_consent",
    "messages": "g_messages",
    "requests": "g_requests",
    "disclosures": "g_disclosures",
    "vendors": "g_vendors",
    "records": "g_records",
    "incidents": "g_incidents",
    "restrictions": "g_restrictions",
    "communication_preferences": "g_preferences",
    "complaints": "g_complaints",
    "notice_acknowledgments": "g_acknowledgments",
    "workforce": "g_workforce",
    "training": "g_training",
    "access_log": "g_access",
    "encounters": "g_encounters",
    "patients": "patient_places",
    "authorizations": "g_authorizations",
}


# Per-patient volumes: a medical spa (the shipped sample), or a health system, whose
# patients get more texts, requests, disclosures and encounter notes.
PROFILES: dict[str, dict] = {
    "clinic": {
        "sms_campaigns": 1,
        "requests_per_3000": 11.0,
        "disclosure_rate": 2 / 3,
        "encounter_records": False,
    },
    "health-system": {
        "sms_campaigns": 2,
        "requests_per_3000": 14.0,
        "disclosure_rate": 5.0,
        "encounter_records": True,
    },
}


def generate_sample(
    out: str | Path,
    *,
    patients: int = 3000,
    seed: int = 20261026,
    timezone: str = "America/Los_Angeles",
    fmt: str = "parquet",
    profile: str = "clinic",
    memory_limit: str | None = None,
    force: bool = False,
) -> Path:
    """Write a sample export as a DuckDB ``EXPORT DATABASE`` directory at ``out``.

    The directory is built beside ``out`` and moved into place at the end, so a failed
    generation never leaves half an export. ``memory_limit`` (e.g. ``"6GB"``) caps
    DuckDB's memory: what does not fit is spilled to the system's temporary folder, so a
    health system of ten million patients is generated on a machine with less memory
    than its tables. A folder at ``out`` that holds anything but an earlier sample is
    refused unless ``force``: it is replaced whole.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder for the sample export")
    if not force and not _replaceable(out):
        raise UsageError(
            f"--out {out} holds files that are not a sample this command wrote: they would "
            "be deleted. Choose a new or empty folder, or pass --force to replace it"
        )
    if patients < 50:
        raise UsageError("the sample needs at least 50 patients")
    if profile not in PROFILES:
        raise UsageError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sample-", dir=out.parent))
    try:
        target = _generate(tmp, patients, seed, timezone, fmt, profile, memory_limit)
        _relative_load_sql(target)
        _write_manifest(target)
        if out.exists():
            shutil.rmtree(out)
        target.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _generate(
    tmp: Path,
    patients: int,
    seed: int,
    timezone: str,
    fmt: str,
    profile: str,
    memory_limit: str | None,
) -> Path:
    """Generate the export into ``tmp/export``. With a memory limit the generator's tables
    live in a database file in ``tmp`` (compressed on disk, read back as needed) rather
    than in memory, and the export's tables in a second one."""
    on_disk = memory_limit is not None
    con = duckdb.connect(str(tmp / "generate.duckdb") if on_disk else ":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        _quiet(con)
        cap_memory(con, memory_limit)
        if memory_limit:
            con.execute("SET preserve_insertion_order = false")  # far less to hold at once
        volumes = PROFILES[profile]
        blocks = sorted(resources.files(__name__).iterdir(), key=lambda f: f.name)
        sql = [b.read_text(encoding="utf-8") for b in blocks if b.name.endswith(".sql")]
        settings, *steps = sql  # 00_cfg.sql binds the settings, in order
        con.execute(
            settings,
            [
                seed,
                patients,
                timezone,
                volumes["sms_campaigns"],
                volumes["requests_per_3000"],
                volumes["disclosure_rate"],
                volumes["encounter_records"],
            ],
        )
        for step in steps:  # each NN_name.sql in turn
            con.execute(step.replace("TEMP TABLE", "TABLE") if on_disk else step)
        # the export's tables in a database of their own: the generator's table of
        # patients shares a name with the contract's
        if on_disk:
            con.execute("ATTACH ? AS export", [str(tmp / "export.duckdb")])
        catalog = "export" if on_disk else "memory"
        for table in TABLES:
            cols = ", ".join(f"{ident(c.name)} {c.type}" for c in table.columns)
            target_table = f"{catalog}.main.{ident(table.name)}"
            con.execute(f"CREATE TABLE {target_table} ({cols})")
            con.execute(f"INSERT INTO {target_table} SELECT * FROM {_SOURCES[table.name]}")
        target = tmp / "export"
        options = "(FORMAT parquet, COMPRESSION zstd)" if fmt == "parquet" else "(FORMAT csv)"
        con.execute(f"USE {catalog}")
        con.execute(f"EXPORT DATABASE {literal(str(target))} {options}")
    finally:
        con.close()
    return target


def _relative_load_sql(directory: Path) -> None:
    """Make load.sql name its files relative to the export, not this machine's paths."""
    load = directory / "load.sql"
    quoted = str(directory).replace("'", "''") + "/"  # as it stands inside a SQL literal
    text = load.read_text(encoding="utf-8").replace(quoted, "")
    load.write_text(text, encoding="utf-8")


def _replaceable(out: Path) -> bool:
    """Whether the folder ``out`` may be replaced: absent, empty, or a sample written here."""
    if not out.exists():
        return True
    try:
        manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if isinstance(manifest, dict) and manifest.get("written_by") == WRITTEN_BY:
        return True
    return not any(out.iterdir())


def _write_manifest(directory: Path) -> None:
    """Say when the sample was extracted, as a clinic's export system would."""
    text = json.dumps({"extracted_at": EXTRACTED_AT, "written_by": WRITTEN_BY}, indent=2)
    (directory / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bars on a scheduler's log (inside Jupyter, DuckDB refuses the setting)."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
