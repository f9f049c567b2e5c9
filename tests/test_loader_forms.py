"""Every accepted form of an export gives the same validated tables."""

from __future__ import annotations

import pytest

from analytics.contract import TABLES
from analytics.loading.loader import open_export
from analytics.sql import ident
from helpers import FORMS, full_export, rows, tree_hash, write_export


def tiny_tables() -> dict[str, list[dict]]:
    return full_export(
        consent_events=rows(
            "consent_events",
            {},
            {"event_id": "E2", "channel": " SMS ", "action": "Opt_Out", "method": "sms_keyword"},
        ),
        messages=rows(
            "messages",
            {},
            {
                "message_id": "M2",
                "direction": "inbound",
                "purpose": None,
                "campaign_id": None,
                "body": 'Stop, "please" <b>now</b>',
            },
        ),
        requests=rows("requests", {}, {"request_id": "R2", "closed_at": None, "outcome": None}),
    )


def snapshot(export) -> dict:
    out = {}
    for t in TABLES:
        cols = ", ".join(ident(c.name) for c in t.columns)
        out[t.name] = export.con.execute(
            f"SELECT {cols} FROM {ident(t.name)} ORDER BY {ident(t.id_column)}"
        ).fetchall()
    return out


def test_every_form_gives_identical_validated_tables(tmp_path):
    results = {}
    for form in FORMS:
        path = write_export(tiny_tables(), form, tmp_path / form)
        export = open_export(path)
        results[form] = (snapshot(export), export.summary_rows())
        export.close()
    first = results[FORMS[0]]
    for form in FORMS[1:]:
        assert results[form] == first, form
    tables, summary = first
    assert [r[2] for r in tables["consent_events"]] == ["sms", "sms"]  # codes trimmed, lowered
    assert tables["consent_events"][1][4] == "opt_out"
    assert tables["messages"][1][5] == 'Stop, "please" <b>now</b>'  # bodies kept as received
    assert all(r["rows_read"] == r["rows_used"] for r in summary)


@pytest.mark.parametrize("form", FORMS)
def test_forms_report_their_kind(tmp_path, form):
    export = open_export(write_export(tiny_tables(), form, tmp_path / form))
    expected = {"duckdb": "duckdb", "export_parquet": "export_database"}
    expected |= {"export_csv": "export_database"}
    assert export.form == expected.get(form, "table_files")
    export.close()


@pytest.mark.parametrize("form", FORMS)
def test_source_bytes_are_untouched(tmp_path, form):
    path = write_export(tiny_tables(), form, tmp_path / form)
    before = tree_hash(path)
    open_export(path).close()
    assert tree_hash(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [form]  # no WAL or side files


def test_naive_timestamps_mean_utc_and_tz_aware_ones_are_converted(make_export):
    tables = full_export(
        requests=rows(
            "requests",
            {"received_at": "2026-02-01 07:30:00", "closed_at": None, "outcome": None},
            {
                "request_id": "R2",
                "received_at": "2026-01-31T23:30:00-08:00",
                "closed_at": None,
                "outcome": None,
            },
        )
    )
    export = open_export(make_export(tables, "files_csv", typed=False))
    got = export.con.execute(
        "SELECT DISTINCT timezone('America/Los_Angeles', received_at)::VARCHAR FROM requests"
    ).fetchall()
    assert got == [("2026-01-31 23:30:00",)]
    export.close()


def test_absent_vendors_table_reads_as_empty(make_export):
    tables = full_export()
    del tables["vendors"]
    export = open_export(make_export(tables))
    assert export.tables["vendors"].present is False
    assert export.con.execute("SELECT count(*) FROM vendors").fetchall() == [(0,)]
    export.close()


def test_absent_nullable_column_reads_as_null_and_is_noted(make_export):
    row = {k: v for k, v in rows("consent_events")[0].items() if k != "source_message_id"}
    export = open_export(make_export(full_export(consent_events=[row])))
    assert export.tables["consent_events"].absent_columns == ["source_message_id"]
    assert export.con.execute("SELECT source_message_id FROM consent_events").fetchall() == [
        (None,)
    ]
    export.close()
