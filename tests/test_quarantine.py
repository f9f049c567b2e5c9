"""Each contract reason quarantines exactly the rows it names, in the contract's order."""

from __future__ import annotations

import pytest

from analytics.contract import TABLES
from analytics.loading.loader import open_export
from helpers import full_export, rows

R = "requests"
V1 = [t.name for t in TABLES if not t.optional]


def v1_export(**overrides: list[dict]) -> dict[str, list[dict]]:
    """The five tables every export has, with their base rows, and ``overrides``: a rule
    about one table needs no more (the optional logs are absent, as in a v1 export)."""
    return {**{name: rows(name) for name in V1}, **overrides}


def reasons(export, table: str) -> dict[str, int]:
    return export.tables[table].by_reason


def check_balanced(export) -> None:
    for s in export.tables.values():
        assert s.rows_read == s.rows_used + s.rows_quarantined, s.table


@pytest.mark.parametrize(
    ("table", "bad_row", "reason"),
    [
        # bad_value: unparseable timestamp, date and boolean in a CSV export
        ("requests", {"received_at": "yesterday"}, "bad_value"),
        ("vendors", {"baa_signed_on": "2020-13-45"}, "bad_value"),
        ("records", {"legal_hold": "perhaps"}, "bad_value"),
        # missing_required: NULL or blank required value; outbound message without purpose
        ("disclosures", {"patient_id": None}, "missing_required"),
        ("messages", {"patient_id": "   "}, "missing_required"),
        ("messages", {"purpose": None}, "missing_required"),
        ("records", {"legal_hold": None}, "missing_required"),
        # unknown_code: outside the column's list, including one element of a code list
        ("consent_events", {"channel": "fax"}, "unknown_code"),
        ("requests", {"request_type": "erase"}, "unknown_code"),
        ("disclosures", {"data_categories": "phi,ssn"}, "unknown_code"),
        ("disclosures", {"data_categories": "phi,,contact"}, "unknown_code"),
        # bad_order: a later step before an earlier one
        ("requests", {"closed_at": "2026-10-04 16:00:00+00"}, "bad_order"),
        ("requests", {"acknowledged_at": "2026-10-05 15:59:59+00"}, "bad_order"),
        ("requests", {"verified_at": "2026-10-01 00:00:00+00"}, "bad_order"),
        ("requests", {"extended_at": "2026-10-01 00:00:00+00"}, "bad_order"),
        ("consent_events", {"processed_at": "2026-10-01 16:59:59+00"}, "bad_order"),
        ("records", {"disposed_at": "2018-02-28 17:00:00+00"}, "bad_order"),
        # inconsistent_state: closed without outcome, outcome while open
        ("requests", {"outcome": None}, "inconsistent_state"),
        ("requests", {"closed_at": None}, "inconsistent_state"),
    ],
)
def test_each_reason_quarantines_the_bad_row_only(make_export, table, bad_row, reason):
    id_col = {"requests": "request_id", "vendors": "vendor_id", "records": "record_id"}
    id_col |= {"disclosures": "disclosure_id", "messages": "message_id"}
    id_col |= {"consent_events": "event_id"}
    tables = v1_export(**{table: rows(table, {}, {id_col[table]: "BAD", **bad_row})})
    export = open_export(make_export(tables, "files_csv", typed=False))
    assert reasons(export, table) == {reason: 1}
    assert export.tables[table].rows_used == 1
    q = export.con.execute("SELECT table_name, reason, row_json FROM quarantine").fetchall()
    assert [(t, r) for t, r, _ in q] == [(table, reason)]
    assert '"BAD"' in q[0][2]  # the row is kept as read
    check_balanced(export)
    export.close()


def test_inbound_message_without_purpose_is_fine(make_export):
    inbound = {"message_id": "M2", "direction": "inbound", "purpose": None, "body": "hi"}
    export = open_export(make_export(v1_export(messages=rows("messages", {}, inbound))))
    assert reasons(export, "messages") == {}
    export.close()


def test_first_reason_wins_bad_value_before_unknown_code_and_order(make_export):
    row = {"request_id": "R9", "received_at": "not a date", "regime": "gdpr", "outcome": None}
    export = open_export(make_export(v1_export(requests=rows(R, row)), "files_csv", typed=False))
    assert reasons(export, R) == {"bad_value": 1}
    export.close()


def test_missing_required_before_unknown_code(make_export):
    row = {"request_id": "R9", "channel": "fax", "received_at": None}
    export = open_export(make_export(v1_export(requests=rows(R, row))))
    assert reasons(export, R) == {"missing_required": 1}
    export.close()


def test_duplicate_row_keeps_the_first_copy(make_export):
    export = open_export(make_export(v1_export(requests=rows(R, {}, {}, {}))))
    assert reasons(export, R) == {"duplicate_row": 2}
    assert export.con.execute("SELECT request_id FROM requests").fetchall() == [("R1",)]
    check_balanced(export)
    export.close()


def test_conflicting_id_quarantines_every_row_with_that_id(make_export):
    tables = v1_export(
        requests=rows(R, {}, {"channel": "email"}, {"request_id": "R2"}),
    )
    export = open_export(make_export(tables))
    assert reasons(export, R) == {"conflicting_id": 2}
    assert export.con.execute("SELECT request_id FROM requests").fetchall() == [("R2",)]
    export.close()


def test_duplicate_of_a_conflicting_row_is_a_duplicate_first(make_export):
    # R1 twice (identical) and once different: the copy is duplicate_row, the other two
    # rows conflict.
    export = open_export(make_export(v1_export(requests=rows(R, {}, {}, {"channel": "mail"}))))
    assert reasons(export, R) == {"duplicate_row": 1, "conflicting_id": 2}
    assert export.tables[R].rows_used == 0
    check_balanced(export)
    export.close()


def test_codes_are_matched_trimmed_and_case_blind_and_used_lower_case(make_export):
    row = {"regime": " HIPAA", "request_type": "Access ", "channel": "Web", "outcome": "Fulfilled"}
    export = open_export(make_export(v1_export(requests=rows(R, row))))
    assert reasons(export, R) == {}
    got = export.con.execute("SELECT regime, request_type, channel, outcome FROM requests")
    assert got.fetchall() == [("hipaa", "access", "web", "fulfilled")]
    export.close()


def test_quarantined_rows_take_part_in_no_table(make_export):
    tables = v1_export(requests=rows(R, {}, {"request_id": "R2", "closed_at": None}))
    export = open_export(make_export(tables))
    assert export.con.execute("SELECT request_id FROM requests").fetchall() == [("R1",)]
    assert export.quarantine_counts() == [
        {"table": "requests", "reason": "inconsistent_state", "rows": 1}
    ]
    export.close()


def test_empty_tables_are_valid(make_export):
    tables = full_export()
    export = open_export(make_export({**tables, "messages": []}))
    assert export.tables["messages"].rows_read == 0
    check_balanced(export)
    export.close()


@pytest.mark.parametrize("form", ["files_csv", "export_csv"])
def test_booleans_are_read_trimmed_like_codes(make_export, form):
    """A spreadsheet's 'FALSE ' (trailing space) is false, not a bad value."""
    tables = full_export(
        records=rows(
            "records",
            {"legal_hold": "FALSE "},
            {"record_id": "REC2", "legal_hold": " true"},
            {"record_id": "REC3", "legal_hold": "maybe"},
        )
    )
    export = open_export(make_export(tables, form, typed=False))
    assert reasons(export, "records") == {"bad_value": 1}
    got = export.con.execute("SELECT record_id, legal_hold FROM records ORDER BY record_id")
    assert got.fetchall() == [("REC1", False), ("REC2", True)]
    check_balanced(export)
    export.close()


def test_two_files_for_one_table_are_an_error_not_a_choice(make_export):
    from analytics.errors import ExportError

    folder = make_export(full_export(), "files_parquet")
    (folder / "messages.csv").write_text("message_id,patient_id\n")  # header only
    with pytest.raises(
        ExportError, match=r"'messages' has 2 files.*messages\.csv, messages\.parquet"
    ):
        open_export(folder)


def test_a_column_given_twice_is_an_error_not_a_choice(make_export):
    from analytics.errors import ExportError

    folder = make_export(full_export(), "files_csv")
    records = folder / "records.csv"
    header, rest = records.read_text().split("\n", 1)
    lines = [line + ",2020-01-01" for line in rest.splitlines() if line]
    records.write_text(header + ",Disposed_At\n" + "\n".join(lines) + "\n")
    with pytest.raises(ExportError, match="two columns for 'disposed_at'"):
        open_export(folder)
