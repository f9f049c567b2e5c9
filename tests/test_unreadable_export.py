"""An export that cannot be read stops with one clear message and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.errors import ExportError
from analytics.loading.loader import open_export
from helpers import full_export, rows, run_cli, write_export


def broken_exports(tmp: Path) -> list[tuple[str, Path, list[str]]]:
    cases = []
    cases.append(("no such path", tmp / "nowhere", ["does not exist"]))

    empty = tmp / "empty"
    empty.mkdir()
    cases.append(("empty folder", empty, ["not an export"]))

    text = tmp / "notes.txt"
    text.write_text("hello")
    cases.append(("a text file", text, ["not an export", "DuckDB"]))

    fake = tmp / "fake.duckdb"
    fake.write_bytes(b"\0" * 8 + b"DUCK" + b"\0" * 100)
    cases.append(("a corrupt duckdb file", fake, ["cannot be opened as a DuckDB database"]))

    tables = full_export()
    del tables["requests"]
    cases.append(
        (
            "missing required table",
            write_export(tables, "files_parquet", tmp / "t1"),
            ["missing required table 'requests'"],
        )
    )
    tables = full_export()
    del tables["records"]
    cases.append(
        (
            "missing table in a duckdb file",
            write_export(tables, "duckdb", tmp / "t2"),
            ["missing required table 'records'"],
        )
    )

    no_col = [{k: v for k, v in r.items() if k != "received_at"} for r in rows("requests")]
    cases.append(
        (
            "missing required column",
            write_export(full_export(requests=no_col), "export_csv", tmp / "t3"),
            ["table 'requests'", "missing required column 'received_at'"],
        )
    )

    liar = write_export(full_export(), "files_parquet", tmp / "t4")
    (liar / "messages.parquet").write_text("message_id,patient_id\nM1,P1\n")
    cases.append(
        (
            "a csv named .parquet",
            liar,
            ["table 'messages'", "not a readable Parquet file"],
        )
    )

    gone = write_export(full_export(), "export_parquet", tmp / "t5")
    (gone / "disclosures.parquet").unlink()
    cases.append(("file named in load.sql is gone", gone, ["table 'disclosures'", "missing"]))
    return cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return broken_exports(tmp_path_factory.mktemp("broken"))


def test_each_unreadable_export_gives_its_message_from_the_loader(cases):
    for name, path, words in cases:
        with pytest.raises(ExportError) as info:
            open_export(path)
        for w in words:
            assert w in str(info.value), (name, str(info.value))


def test_validate_cli_exits_3_with_one_clear_line_and_no_traceback(cases):
    for name, path, words in cases:
        done = run_cli("validate", str(path))
        assert done.returncode == 3, (name, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, name
        assert done.stderr.startswith("analytics: "), name
        assert len(done.stderr.strip().splitlines()) == 1, (name, done.stderr)
        for w in words:
            assert w in done.stderr, (name, done.stderr)


def test_validate_cli_prints_counts_and_exits_0_for_quarantine(tmp_path):
    tables = full_export(requests=rows("requests", {}, {"request_id": "R2", "outcome": None}))
    done = run_cli("validate", str(write_export(tables, "export_parquet", tmp_path)))
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("requests"))
    assert line.split()[:4] == ["requests", "2", "1", "1"]
    assert "inconsistent_state 1" in line


def test_run_cli_rejects_a_bad_period_clearly():
    done = run_cli("run", "--period", "2026-13")
    assert done.returncode == 2
    assert "not a month written YYYY-MM" in done.stderr
    assert "Traceback" not in done.stderr
