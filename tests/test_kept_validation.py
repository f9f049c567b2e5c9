"""A kept validation is reused: the same quarantine and figures as validating afresh.

The monthly export is the same history with a month added. Validating only the added
rows must quarantine exactly what a full validation quarantines, including the rules that
compare rows with each other: a new row that repeats an old id (both rows conflict), an
exact copy of an old row (the copy is the duplicate), two new rows sharing an id.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from analytics.loading.context import ReportContext
from analytics.loading.export import Export
from analytics.loading.kept import (
    FIGURES_FILE,
    KEPT_FILE,
    SUM_SUFFIX,
    read_figures,
    write_figures,
)
from analytics.loading.loader import open_export
from analytics.paths import sample_path
from analytics.period import Period
from analytics.registry import load_policy
from analytics.run.metrics_json import compute_all
from analytics.sql import ident, literal
from helpers import WHOLE_SAMPLE

KEPT_SHARE = 0.85  # the old export: the first 85 % of each table's rows


def _tables() -> list[Path]:
    return sorted(sample_path().glob("*.parquet"))


def _write_old(folder: Path) -> None:
    """The sample's tables cut to their first rows: last month's export."""
    folder.mkdir()
    con = duckdb.connect()
    for f in _tables():
        n = con.execute("SELECT count(*) FROM read_parquet(?)", [str(f)]).fetchall()[0][0]
        con.execute(
            f"COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet({literal(str(f))}, "
            f"file_row_number = true) WHERE file_row_number < {int(n * KEPT_SHARE)} "
            f"ORDER BY file_row_number) TO {literal(str(folder / f.name))} (FORMAT parquet)"
        )
    con.close()


def _message_stored_for_its_trimmed_text(old: Export) -> str:
    """The id of an old message kept only because its text was trimmed (not repeated)."""
    found = old.con.execute(
        "SELECT message_id FROM _stored_messages WHERE _as_read IS NULL AND _reason IS NULL "
        "ORDER BY _row LIMIT 1"
    ).fetchall()
    assert found, "the sample has a message stored for its trimmed text"
    return found[0][0]


def _write_new(folder: Path, trimmed_id: str, *, rewrite: str | None = None) -> None:
    """This month's export: every row of the sample, in order, then planted rows; with
    ``rewrite``, one old row of that table changed (history rewritten)."""
    folder.mkdir()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for f in _tables():
        src = f"read_parquet({literal(str(f))}, file_row_number = true)"
        con.execute(
            f"CREATE TABLE t AS SELECT * EXCLUDE (file_row_number) FROM {src} "
            "ORDER BY file_row_number"
        )
        if f.stem == "messages":
            con.execute(
                # an exact copy of an old row; an old id with another body; two new rows
                # sharing an id; and an old message kept for its trimmed text, copied
                """
                INSERT INTO t SELECT * FROM (SELECT * FROM t LIMIT 1 OFFSET 10);
                INSERT INTO t SELECT * REPLACE ('changed body' AS body)
                    FROM (SELECT * FROM t LIMIT 1 OFFSET 20);
                INSERT INTO t SELECT * REPLACE ('M-NEW-TWICE' AS message_id)
                    FROM (SELECT * FROM t LIMIT 2 OFFSET 30);
                """
            )
            con.execute(
                "INSERT INTO t SELECT * FROM (SELECT * FROM t WHERE message_id = ? LIMIT 1)",
                [trimmed_id],
            )
        if f.stem == "requests":  # a new row breaking a rule of its own
            con.execute(
                "INSERT INTO t SELECT * REPLACE ('R-NEW-BAD' AS request_id, 'erase' AS "
                "request_type) FROM (SELECT * FROM t LIMIT 1)"
            )
        if f.stem == rewrite:
            con.execute("UPDATE t SET patient_id = 'P-REWRITTEN' WHERE rowid = 3")
        con.execute(f"COPY t TO {literal(str(folder / f.name))} (FORMAT parquet)")
        con.execute("DROP TABLE t")
    con.close()


def _quarantine(export: Export) -> list[tuple]:
    return export.con.execute(
        "SELECT table_name, reason, source_row, row_json FROM quarantine ORDER BY ALL"
    ).fetchall()


def _summaries(export: Export) -> dict:
    return {
        s.table: (s.present, s.rows_read, s.rows_used, s.by_reason) for s in export.tables.values()
    }


def _views(export: Export) -> dict:
    """Each table's rows as the metrics read them (count and an order-free digest)."""
    return {
        name: export.con.execute(
            f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {ident(name)} t"
        ).fetchall()
        for name in export.tables
    }


def _figures(export: Export, period: str) -> list:
    ctx = ReportContext(
        export, load_policy(None), Period.parse(period), "leadership", datetime.now(UTC)
    )
    return compute_all(ctx)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Last month's export validated and kept, then this month's (rows added)."""
    tmp = tmp_path_factory.mktemp("kept")
    kept = tmp / "kept"
    _write_old(tmp / "old")
    old = open_export(tmp / "old", keep_in=kept)
    trimmed_id = _message_stored_for_its_trimmed_text(old)
    old.close()
    _write_new(tmp / "new", trimmed_id)
    return tmp, kept, trimmed_id


@WHOLE_SAMPLE
def test_rows_added_validate_as_a_full_validation_does(exports):
    tmp, kept, _ = exports
    os.utime(tmp / "new" / "vendors.parquet")  # same rows, touched: checked, not re-read
    added = open_export(tmp / "new", keep_in=kept)
    full = open_export(tmp / "new")
    try:
        assert {s.validated for s in added.tables.values() if s.present} == {"added"}
        assert _quarantine(added) == _quarantine(full)
        assert _summaries(added) == _summaries(full)
        assert _views(added) == _views(full)
        for period in ("2026-09", "2026-10"):
            assert _figures(added, period) == _figures(full, period)
    finally:
        added.close()
        full.close()


@WHOLE_SAMPLE
def test_the_rules_between_rows_hold_across_old_and_new_rows(exports):
    tmp, kept, trimmed_id = exports
    export = open_export(tmp / "new", keep_in=kept)
    try:
        q = export.con.execute(
            "SELECT json_extract_string(row_json, '$.message_id'), reason, count(*) "
            "FROM quarantine WHERE table_name = 'messages' AND reason IN "
            "('duplicate_row', 'conflicting_id') GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        old = (
            duckdb.connect()
            .execute(
                "SELECT message_id FROM read_parquet(?) LIMIT 2 OFFSET 10",
                [str(tmp / "old" / "messages.parquet")],
            )
            .fetchall()
        )
        copied, changed = (
            old[0][0],
            duckdb.connect()
            .execute(
                "SELECT message_id FROM read_parquet(?) LIMIT 1 OFFSET 20",
                [str(tmp / "old" / "messages.parquet")],
            )
            .fetchall()[0][0],
        )
        found = {(i, r): n for i, r, n in q}
        assert found[(copied, "duplicate_row")] == 1  # the copy; the old row stays in use
        assert found[(changed, "conflicting_id")] == 2  # the old row and the new one
        assert found[("M-NEW-TWICE", "conflicting_id")] == 2
        assert found[(trimmed_id.strip(), "duplicate_row")] == 1
        assert export.tables["requests"].by_reason.get("unknown_code", 0) >= 1
    finally:
        export.close()


@WHOLE_SAMPLE
def test_an_unchanged_export_is_not_read_again(exports):
    tmp, kept, _ = exports
    first = open_export(tmp / "new", keep_in=kept)
    first.close()
    again = open_export(tmp / "new", keep_in=kept)
    full = open_export(tmp / "new")
    try:
        assert {s.validated for s in again.tables.values() if s.present} == {"kept"}
        assert _quarantine(again) == _quarantine(full)
        assert _summaries(again) == _summaries(full)
        assert _views(again) == _views(full)
    finally:
        again.close()
        full.close()


@WHOLE_SAMPLE
def test_rewritten_history_is_validated_again_in_full(exports, tmp_path):
    tmp, _, trimmed_id = exports
    export_path, kept = tmp_path / "export", tmp_path / "kept"
    shutil.copytree(tmp / "old", export_path)
    open_export(export_path, keep_in=kept).close()
    _write_new(tmp_path / "rewritten", trimmed_id, rewrite="requests")
    for f in (tmp_path / "rewritten").iterdir():  # this month's export, in the same place
        shutil.copyfile(f, export_path / f.name)
    export = open_export(export_path, keep_in=kept)
    full = open_export(export_path)
    try:
        assert export.tables["requests"].validated == "full"
        assert export.tables["messages"].validated == "added"
        assert _quarantine(export) == _quarantine(full)
        assert _views(export) == _views(full)
    finally:
        export.close()
        full.close()


@WHOLE_SAMPLE
def test_the_kept_validation_is_owner_only_and_a_damaged_one_is_ignored(exports, tmp_path):
    tmp, _, _ = exports
    kept = tmp_path / "kept"
    open_export(tmp / "old", keep_in=kept).close()
    (folder,) = kept.iterdir()
    assert kept.stat().st_mode & 0o077 == 0
    assert folder.stat().st_mode & 0o077 == 0
    assert (folder / KEPT_FILE).stat().st_mode & 0o077 == 0
    (folder / KEPT_FILE).write_bytes(b"not a database")
    export = open_export(tmp / "old", keep_in=kept)
    full = open_export(tmp / "old")
    try:
        assert {s.validated for s in export.tables.values() if s.present} == {"full"}
        assert _quarantine(export) == _quarantine(full)
    finally:
        export.close()
        full.close()


@WHOLE_SAMPLE
def test_a_notebook_of_the_run_reads_the_figures_the_run_computed(tmp_path):
    """The run keeps the month's figures in its snapshot; a notebook opening the snapshot
    shows those (here a planted value proves it did not compute its own)."""
    from analytics.domains import requests
    from analytics.loading.snapshot import open_validated, write_figures

    source = open_export(sample_path())
    source.write_validated(tmp_path / "snap")
    source.close()
    run = open_validated(tmp_path / "snap")
    ctx = ReportContext(run, load_policy(None), Period(2026, 10), "leadership", datetime.now(UTC))
    computed = requests.metrics(ctx)
    key = next(k for k in run.figures if k[0].endswith("requests.metrics"))
    run.figures[key] = [{"metric": "requests.planted", "segment": "all", "value": 1}]
    write_figures(run)
    run.close()
    kernel = open_validated(tmp_path / "snap")
    try:
        nb_ctx = ReportContext(
            kernel, load_policy(None), Period(2026, 10), "officer", datetime.now(UTC)
        )
        assert requests.metrics(nb_ctx) == [
            {"metric": "requests.planted", "segment": "all", "value": 1}
        ]
        september = requests.metrics(replace(nb_ctx, period=Period(2026, 9)))
        assert "requests.planted" not in {r["metric"] for r in september}  # computed
        assert {r["metric"] for r in september} == {r["metric"] for r in computed}
    finally:
        kernel.close()


@WHOLE_SAMPLE
def test_a_damaged_kept_file_is_treated_as_absent_never_loaded(exports, tmp_path, caplog):
    """A bit flipped in the kept validation: its checksum no longer matches, so it is
    validated again in full (one log line), never attached."""
    tmp, _, _ = exports
    kept = tmp_path / "kept"
    open_export(tmp / "old", keep_in=kept).close()
    (folder,) = kept.iterdir()
    path = folder / KEPT_FILE
    assert (folder / (KEPT_FILE + SUM_SUFFIX)).is_file()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with caplog.at_level("WARNING", logger="analytics.loading.kept"):
        export = open_export(tmp / "old", keep_in=kept)
    try:
        assert {s.validated for s in export.tables.values() if s.present} == {"full"}
    finally:
        export.close()
    assert [r.message for r in caplog.records if "checksum" in r.message] == [
        f"{path} does not match its checksum: not used (made again)"
    ]


FIGURES = {("consent.marketing_after_optout", "2026-10", "p"): [{"value": 6}]}


def test_damaged_kept_figures_are_never_loaded(tmp_path):
    """Every single-byte damage and every truncation of figures.pickle: nothing loaded,
    nothing raised (a flipped bit once put 4 for 6 on the overview)."""
    folder = tmp_path / "kept"
    folder.mkdir(mode=0o700)
    write_figures(folder, "state", FIGURES)
    assert read_figures(folder, "state") == FIGURES
    good = (folder / FIGURES_FILE).read_bytes()
    damages = [
        good[:i] + bytes([good[i] ^ (1 << (i % 8))]) + good[i + 1 :] for i in range(len(good))
    ]
    damages += [good[:n] for n in range(0, len(good), 7)]
    for damaged in damages:
        (folder / FIGURES_FILE).write_bytes(damaged)
        assert read_figures(folder, "state") == {}
    (folder / FIGURES_FILE).write_bytes(good)
    assert read_figures(folder, "state") == FIGURES
    (folder / (FIGURES_FILE + SUM_SUFFIX)).unlink()  # no checksum: not trusted either
    assert read_figures(folder, "state") == {}


def test_figures_a_second_account_could_write_are_never_loaded(tmp_path):
    folder = tmp_path / "kept"
    folder.mkdir(mode=0o700)
    write_figures(folder, "state", FIGURES)
    os.chmod(folder / FIGURES_FILE, 0o666)
    assert read_figures(folder, "state") == {}
    os.chmod(folder / FIGURES_FILE, 0o600)
    os.chmod(folder, 0o777)
    assert read_figures(folder, "state") == {}
