"""A user's mistake is one line and its exit code (2 bad arguments or policy, 3 an
unreadable export, 6 cannot write), never exit 1, which means a bug in the suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.registry import open_report
from analytics.run.metrics_json import compute_all
from helpers import full_export, rows, run_cli, write_export

OPEN = {"closed_at": None, "outcome": None, "acknowledged_at": None, "verified_at": None}


def test_a_year_typed_20261_is_a_bad_value_not_a_bug(tmp_path):
    """DuckDB reads year 20261, Python's dates end at 9999: the row is quarantined as a
    bad value, and the month's figures are computed over the rest."""
    typo = {"request_id": "R2", "received_at": "20261-10-05 16:00:00+00", **OPEN}
    path = write_export(
        full_export(requests=rows("requests", {}, typo)), "files_csv", tmp_path, typed=False
    )
    done = run_cli("validate", str(path))
    assert done.returncode == 0 and "bad_value 1" in done.stdout
    ctx = open_report(path, "2026-10")
    try:
        s = ctx.export.tables["requests"]
        assert (s.rows_read, s.rows_used, s.by_reason) == (2, 1, {"bad_value": 1})
        assert compute_all(ctx)  # no TypeError over the figures
    finally:
        ctx.export.close()


@pytest.mark.parametrize("command", ["accounting", "breach-log"])
@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_a_document_out_that_cannot_be_a_file_is_exit_6(tmp_path, command, where):
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = tmp_path if where == "a folder" else afile / "letter.html"
    args = {
        "accounting": ["accounting", "--patient", "P000123", "--as-of", "2026-10-31"],
        "breach-log": ["breach-log", "--year", "2025"],
    }[command]
    done = run_cli(*args, "--out", str(out))
    assert done.returncode == 6, done.stderr
    assert done.stderr.count("\n") == 1 and "nothing was written" in done.stderr
    assert afile.read_text() == "x"


@pytest.mark.parametrize(
    ("limit", "words"),
    [("1KB", "is too small"), ("100MB", "is too small"), ("lots", "is not a size")],
)
def test_a_memory_limit_that_cannot_work_is_a_bad_argument(tmp_path, limit, words):
    done = run_cli("run", "--memory-limit", limit, "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and words in done.stderr, done.stderr
    assert "internal error" not in done.stderr


def test_out_of_memory_within_the_limit_is_one_line_not_a_bug(monkeypatch):
    import duckdb

    import analytics.cli

    def short_of_memory(args):
        raise duckdb.OutOfMemoryException("could not allocate block of size 256 KiB")

    monkeypatch.setattr(analytics.cli, "_cmd_run", short_of_memory)
    done = run_cli("run", "--memory-limit", "1GB")
    assert done.returncode == 2 and "ran out of memory" in done.stderr
    assert "internal error" not in done.stderr


def test_a_zero_byte_csv_is_said_by_validate_never_in_silence(tmp_path):
    path = write_export(full_export(), "files_csv", tmp_path)
    (path / "messages.csv").write_bytes(b"")
    done = run_cli("validate", str(path))
    assert done.returncode == 0
    assert "messages.csv is empty (0 bytes, not even a header)" in done.stdout + done.stderr


def test_the_empty_file_hint_names_only_empty_files(tmp_path):
    from analytics.loading.hints import empty_file_hints
    from analytics.loading.loader import open_export

    path = write_export(full_export(), "files_csv", tmp_path)
    (path / "vendors.csv").write_bytes(b"")
    export = open_export(path)
    try:
        assert [h.split(":")[0] for h in empty_file_hints(export)] == ["table 'vendors'"]
    finally:
        export.close()
    assert Path(path / "messages.csv").stat().st_size > 0
