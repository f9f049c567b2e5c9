"""Tiny hand-made exports, written in every form the contract accepts, and the command
run as a test runs it: the helpers every test file imports (``conftest`` holds only the
fixtures and the test session's set-up)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analytics.contract import TABLES, TABLES_BY_NAME
from analytics.loading.manifest import manifest_path
from analytics.sql import ident, literal

FORMS = ("duckdb", "export_parquet", "export_csv", "files_parquet", "files_csv")

# One valid row per table; tests copy and change them.
BASE_ROWS: dict[str, dict] = {
    "consent_events": {
        "event_id": "E1",
        "patient_id": "P1",
        "channel": "sms",
        "purpose": "marketing",
        "action": "opt_in",
        "method": "web_form",
        "occurred_at": "2026-10-01 17:00:00+00",
        "processed_at": "2026-10-01 17:05:00+00",
        "source_message_id": None,
    },
    "messages": {
        "message_id": "M1",
        "patient_id": "P1",
        "channel": "sms",
        "direction": "outbound",
        "purpose": "marketing",
        "body": None,
        "campaign_id": "C1",
        "sent_at": "2026-10-02 18:00:00+00",
    },
    "requests": {
        "request_id": "R1",
        "patient_id": "P1",
        "regime": "hipaa",
        "request_type": "access",
        "channel": "web",
        "received_at": "2026-10-05 16:00:00+00",
        "acknowledged_at": "2026-10-05 17:00:00+00",
        "verified_at": "2026-10-06 16:00:00+00",
        "extended_at": None,
        "extension_reason": None,
        "closed_at": "2026-10-10 16:00:00+00",
        "outcome": "fulfilled",
        "denial_reason": None,
    },
    "disclosures": {
        "disclosure_id": "D1",
        "patient_id": "P1",
        "disclosed_at": "2026-10-07 20:00:00+00",
        "recipient_name": "Valley Dermatology",
        "recipient_address": None,
        "recipient_type": "healthcare_provider",
        "purpose": "treatment",
        "data_categories": "phi,demographic",
        "description": "Treatment summary",
        "authorization_id": None,
        "vendor_id": None,
    },
    "vendors": {
        "vendor_id": "V1",
        "name": "Secure EHR",
        "baa_signed_on": "2020-01-01",
        "baa_ended_on": None,
    },
    "records": {
        "record_id": "REC1",
        "patient_id": "P1",
        "record_class": "medical",
        "created_at": "2018-03-01 17:00:00+00",
        "last_activity_at": "2019-03-01 17:00:00+00",
        "birth_date": "1980-02-29",
        "legal_hold": False,
        "disposed_at": None,
    },
    "incidents": {
        "incident_id": "I1",
        "discovered_at": "2026-10-06 17:00:00+00",
        "occurred_at": "2026-10-05 17:00:00+00",
        "category": "misdirected",
        "location": "email",
        "description": "Visit summary e-mailed to the wrong patient",
        "computerized": True,
        "assessed_at": "2026-10-08 17:00:00+00",
        "determination": "breach",
        "individuals_affected": 1,
        "ca_residents_affected": 1,
        "largest_state_residents": 1,
        "law_enforcement_hold_until": None,
        "individuals_notified_at": "2026-10-09 17:00:00+00",
        "hhs_notified_at": None,
        "media_notified_at": None,
        "ag_notified_at": None,
        "cdph_notified_at": None,
    },
    "restrictions": {
        "restriction_id": "RS1",
        "patient_id": "P1",
        "requested_at": "2026-10-02 17:00:00+00",
        "decision": "agreed",
        "decided_at": "2026-10-03 17:00:00+00",
        "recipient_type": "health_plan",
        "purpose": "payment",
        "self_pay": True,
        "ended_at": None,
    },
    "communication_preferences": {
        "preference_id": "CP1",
        "patient_id": "P1",
        "channel": "phone",
        "rule": "avoid",
        "effective_at": "2026-10-01 17:00:00+00",
        "ended_at": None,
    },
    "complaints": {
        "complaint_id": "CO1",
        "patient_id": "P1",
        "received_at": "2026-10-04 17:00:00+00",
        "channel": "email",
        "topic": "marketing",
        "regulator": None,
        "resolved_at": "2026-10-12 17:00:00+00",
        "outcome": "not_upheld",
    },
    "notice_acknowledgments": {
        "acknowledgment_id": "A1",
        "patient_id": "P1",
        "notice_version": "2025-01",
        "recorded_at": "2018-03-01 16:00:00+00",
        "status": "signed",
    },
    "workforce": {
        "member_id": "W1",
        "role": "clinician",
        "hired_on": "2020-01-06",
        "terminated_on": None,
        "patient_id": None,
    },
    "training": {
        "training_id": "T1",
        "member_id": "W1",
        "course": "hipaa_privacy",
        "completed_on": "2026-03-02",
    },
    "access_log": {
        "access_id": "AC1",
        "member_id": "W1",
        "patient_id": "P1",
        "accessed_at": "2026-10-07 17:00:00+00",
        "action": "view",
    },
    "encounters": {
        "encounter_id": "EN1",
        "patient_id": "P1",
        "started_at": "2026-10-07 16:30:00+00",
    },
    "patients": {"patient_id": "P1", "state": "CA", "time_zone": "America/Los_Angeles"},
    "authorizations": {
        "authorization_id": "A1",
        "patient_id": "P1",
        "signed_at": "2026-09-01 17:00:00+00",
        "regime": "hipaa",
        "purposes": "marketing",
        "recipient_type": "marketing_partner",
        "recipient_name": "Glow Promotions LLC",
        "data_categories": "contact",
        "expires_on": "2027-08-31",
        "states_remuneration": False,
        "revoked_at": None,
    },
}


def rows(table: str, *changes: dict) -> list[dict]:
    """Rows of ``table``: the base row updated by each change (one row per change)."""
    return [{**BASE_ROWS[table], **c} for c in (changes or ({},))]


def build_db(tables: dict[str, list[dict]], *, typed: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding ``tables`` (contract types, or all VARCHAR)."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for name, table_rows in tables.items():
        spec = TABLES_BY_NAME[name]
        cols = [c.name for c in spec.columns if any(c.name in r for r in table_rows)] or [
            c.name for c in spec.columns
        ]
        types = {c.name: (c.type if typed else "VARCHAR") for c in spec.columns}
        con.execute(
            f"CREATE TABLE {ident(name)} ("
            + ", ".join(f"{ident(c)} {types.get(c, 'VARCHAR')}" for c in cols)
            + ")"
        )
        for r in table_rows:
            con.execute(
                f"INSERT INTO {ident(name)} VALUES ({', '.join('?' * len(cols))})",
                [None if r.get(c) is None else str(r[c]) if not typed else r.get(c) for c in cols],
            )
    return con


# When the hand-made exports say they were extracted (export-manifest.json): after
# October 2026, the month their base rows are in, so that October is covered.
EXTRACTED_AT = "2026-11-02T12:00:00Z"


def write_export(
    tables: dict[str, list[dict]],
    form: str,
    where: Path,
    *,
    typed: bool = True,
    extracted_at: str | None = EXTRACTED_AT,
) -> Path:
    """Write ``tables`` as an export of the given form under ``where``; return its path.
    With ``extracted_at`` it says so in its manifest (None: no manifest, its logs' dates
    tell how far it reaches)."""
    path = _write_tables(tables, form, where, typed)
    if extracted_at is not None:
        manifest_path(path).write_text(json.dumps({"extracted_at": extracted_at}))
    return path


def _write_tables(tables: dict[str, list[dict]], form: str, where: Path, typed: bool) -> Path:
    con = build_db(tables, typed=typed)
    where.mkdir(parents=True, exist_ok=True)
    try:
        if form == "duckdb":
            path = where / "export.duckdb"
            con.execute(f"ATTACH {literal(str(path))} AS out")
            for name in tables:
                con.execute(f"CREATE TABLE out.{ident(name)} AS SELECT * FROM {ident(name)}")
            con.execute("DETACH out")
            return path
        if form.startswith("export_"):
            path = where / form
            fmt = "(FORMAT parquet)" if form.endswith("parquet") else "(FORMAT csv)"
            con.execute(f"EXPORT DATABASE {literal(str(path))} {fmt}")
            return path
        path = where / form
        path.mkdir()
        ext = "parquet" if form.endswith("parquet") else "csv"
        for name in tables:
            target = literal(str(path / f"{name}.{ext}"))
            options = "(FORMAT parquet)" if ext == "parquet" else "(FORMAT csv, HEADER)"
            con.execute(f"COPY {ident(name)} TO {target} {options}")
        return path
    finally:
        con.close()


# Logs a test adds itself: with the authorizations log present, an authorization a
# disclosure cites is checked against it (absent: v1's rule, cited means authorized).
NOT_IN_FULL = ("authorizations",)


def full_export(**overrides: list[dict]) -> dict[str, list[dict]]:
    """Every table with its base row (the authorizations log only when given), unless
    overridden."""
    tables = {t.name: rows(t.name) for t in TABLES if t.name not in NOT_IN_FULL}
    tables.update(overrides)
    return tables


def tree_hash(path: Path) -> str:
    """SHA-256 over every file's bytes under ``path`` (or of the file itself)."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def run_cli(*args: str, env: dict | None = None, timeout: int = 600, process: bool = False):
    """Run the ``analytics`` command and return its exit code, stdout and stderr.

    In this process (``analytics.cli.main``, output captured) unless ``process`` or
    ``env`` asks for a child process, as a scheduler would start it.
    """
    if process or env is not None:
        return subprocess.run(
            [sys.executable, "-m", "analytics.cli", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    from analytics.cli import main

    out, err = io.StringIO(), io.StringIO()
    environment = dict(os.environ)  # the command sets some for its kernels: not for the tests
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse: usage errors and --help
            code = e.code if isinstance(e.code, int) else 2
        finally:
            os.environ.clear()
            os.environ.update(environment)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


# Tests that read or rewrite the whole shipped sample (3,000 patients, 22 months): make
# test runs them, make test-fast leaves them out (a hand-made export pins the same rule).
WHOLE_SAMPLE = pytest.mark.slow


_OPENED: dict[tuple, Any] = {}


def opened(path: Path, period: str, policy: Path | str | None = None):
    """The report of ``path`` for ``period`` under ``policy``, the export validated once per
    test process: a module's tests reading one hand-made export at several months or under
    two policies validate it once (its derived tables and figures are keyed by month and
    policy, as in a run). Not for a test that changes or closes the export."""
    from dataclasses import replace

    from analytics.loading.source import is_open
    from analytics.period import Period
    from analytics.registry import open_report

    key = (str(path), str(policy))
    if key not in _OPENED or not is_open(_OPENED[key].export):
        _OPENED[key] = open_report(path, period, policy)
    return replace(_OPENED[key], period=Period.parse(period))
