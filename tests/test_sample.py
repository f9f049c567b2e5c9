"""The sample generator is deterministic and plants exactly the contract breaks it says."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analytics.contract import TABLES
from analytics.loading.loader import open_export
from analytics.paths import sample_path
from analytics.sample import PLANTED_BAD_ROWS, generate_sample
from analytics.sql import ident

pytestmark = pytest.mark.slow  # generates and compares whole samples


def table_hashes(path) -> dict[str, tuple]:
    export = open_export(path)
    out = {}
    for t in TABLES:
        out[t.name] = export.con.execute(
            f"SELECT count(*), sum(hash(columns(*))::HUGEINT) FROM {ident(t.name)}"
        ).fetchall()[0]
    out["quarantine"] = export.con.execute(
        "SELECT list(row_json ORDER BY table_name, source_row) FROM quarantine"
    ).fetchall()[0]
    export.close()
    return out


def test_same_seed_gives_the_same_tables_and_another_seed_does_not(tmp_path):
    a = table_hashes(generate_sample(tmp_path / "a", patients=300, seed=7))
    b = table_hashes(generate_sample(tmp_path / "b", patients=300, seed=7))
    c = table_hashes(generate_sample(tmp_path / "c", patients=300, seed=8))
    assert a == b
    assert a != c


def test_shipped_sample_is_the_generators_output(tmp_path):
    fresh = generate_sample(tmp_path / "fresh")
    assert table_hashes(fresh) == table_hashes(sample_path())


def test_shipped_sample_quarantines_exactly_the_planted_rows():
    export = open_export(sample_path())
    got = {(q["table"], q["reason"]): q["rows"] for q in export.quarantine_counts()}
    assert got == PLANTED_BAD_ROWS
    for s in export.tables.values():
        assert s.present
        assert s.rows_read == s.rows_used + s.rows_quarantined
    export.close()


def test_sample_reads_like_a_clinic():
    """The scenarios later reports depend on are present in the shipped sample."""
    export = open_export(sample_path())
    q = export.con.execute

    def one(sql: str) -> int:
        return q(sql).fetchall()[0][0]

    assert one("SELECT count(DISTINCT request_type) FROM requests") == 11
    assert one("SELECT count(DISTINCT regime) FROM requests") == 2
    assert one("SELECT count(*) FROM requests WHERE extended_at IS NOT NULL") >= 10
    assert one("SELECT count(*) FROM requests WHERE outcome = 'withdrawn'") >= 3
    assert one("SELECT count(*) FROM requests WHERE denial_reason = 'exempt_phi'") >= 2
    assert one("SELECT count(*) FROM requests WHERE closed_at IS NULL") >= 3
    assert one("SELECT count(*) FROM requests WHERE patient_id IS NULL") >= 3
    bodies = {
        r[0] for r in q("SELECT DISTINCT body FROM messages WHERE body IS NOT NULL").fetchall()
    }
    assert {"Stop please".lower(), "unsubscribe", "stop all"} <= {b.lower() for b in bodies}
    assert any(b != b.lower() and b != b.upper() for b in bodies)  # mixed case
    assert (
        one("SELECT count(*) FROM consent_events WHERE action = 'opt_out' AND processed_at IS NULL")
        >= 1
    )
    # inbound STOPs without an opt-out event that names them (missed keyword opt-outs)
    assert (
        one("""SELECT count(*) FROM messages m WHERE direction = 'inbound'
        AND m.message_id LIKE 'M-IN-STOP-%' AND NOT EXISTS (SELECT 1 FROM consent_events c
        WHERE c.source_message_id = m.message_id)""")
        >= 1
    )
    assert one("SELECT count(*) FROM messages WHERE purpose = 'help_reply'") >= 10
    assert one("SELECT count(DISTINCT campaign_id) FROM messages") >= 40
    assert one("SELECT count(*) FROM records WHERE legal_hold") >= 10
    assert one("SELECT count(*) FROM records WHERE legal_hold AND disposed_at IS NOT NULL") >= 1
    assert one("SELECT count(DISTINCT purpose) FROM disclosures") >= 12
    assert (
        one(
            "SELECT count(*) FROM disclosures WHERE recipient_type = 'marketing_partner' "
            "AND data_categories LIKE '%sms_phone%'"
        )
        >= 1
    )
    assert one("SELECT count(*) FROM vendors WHERE baa_signed_on IS NULL") >= 1
    assert one("SELECT count(*) FROM vendors WHERE baa_ended_on IS NOT NULL") >= 1
    assert (
        one("""SELECT count(*) FROM records WHERE record_class = 'medical'
        AND date_diff('year', birth_date, last_activity_at::DATE) < 18""")
        >= 5
    )
    export.close()


def test_sample_cli_writes_an_export(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "sample",
            "--out",
            str(tmp_path / "s"),
            "--patients",
            "100",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s" / "schema.sql").is_file()
    assert (tmp_path / "s" / "requests.parquet").is_file()


def test_health_system_profile_has_more_of_everything_and_the_same_planted_rows(tmp_path):
    clinic = open_export(generate_sample(tmp_path / "c", patients=600, seed=5))
    health = open_export(
        generate_sample(tmp_path / "h", patients=600, seed=5, profile="health-system")
    )
    for table, ratio in (
        ("messages", 1.25),
        ("disclosures", 5),
        ("records", 1.5),
        ("requests", 1.1),
    ):
        assert health.tables[table].rows_read > ratio * clinic.tables[table].rows_read, table
    got = {(q["table"], q["reason"]): q["rows"] for q in health.quarantine_counts()}
    assert got == PLANTED_BAD_ROWS
    # per patient: 5 disclosures, plus the two planted bad rows and the 25 disclosures of
    # 12_authorizations.sql (18 sales to the marketing partner, 6 Washington sales, one
    # after a revocation)
    assert health.tables["disclosures"].rows_read == 600 * 5 + 2 + 25
    clinic.close()
    health.close()


def test_sample_out_refuses_a_folder_it_did_not_write(tmp_path):
    """`sample --out` replaces its own earlier sample, and never someone's folder of files
    without --force."""
    from helpers import run_cli

    theirs = tmp_path / "documents"
    theirs.mkdir()
    (theirs / "minutes.docx").write_text("x")
    done = run_cli("sample", "--out", str(theirs), "--patients", "60")
    assert done.returncode == 2 and "--force" in done.stderr
    assert [p.name for p in theirs.iterdir()] == ["minutes.docx"]
    mine = tmp_path / "mine"
    assert run_cli("sample", "--out", str(mine), "--patients", "60").returncode == 0
    assert json.loads((mine / "export-manifest.json").read_text())["written_by"] == (
        "analytics sample"
    )
    assert run_cli("sample", "--out", str(mine), "--patients", "60").returncode == 0  # its own
    forced = run_cli("sample", "--out", str(theirs), "--patients", "60", "--force")
    assert forced.returncode == 0 and not (theirs / "minutes.docx").exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    done = run_cli("sample", "--out", str(afile), "--patients", "60", "--force")
    assert done.returncode == 2 and "is a file" in done.stderr and afile.read_text() == "x"
