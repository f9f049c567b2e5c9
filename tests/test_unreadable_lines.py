"""A CSV line that is not a row is quarantined where it was read, never fatal, never lost.

Each export below is one hand-written ``requests.csv`` (the other tables are the base rows
as CSV); every expected figure is counted by hand from the lines shown.
"""

from __future__ import annotations

import json

import pytest

from analytics.errors import ExportError
from analytics.loading.hints import read_hints
from analytics.loading.loader import open_export
from analytics.loading.snapshot import open_validated
from helpers import full_export, run_cli, write_export

HEADER = (
    "request_id,patient_id,regime,request_type,channel,received_at,acknowledged_at,"
    "verified_at,extended_at,extension_reason,closed_at,outcome,denial_reason"
)


def request(request_id: str, reason: str = "", regime: str = "hipaa") -> str:
    """One well-formed request line (closed, fulfilled), with an extension reason."""
    return (
        f"{request_id},P1,{regime},access,web,2026-10-05 16:00:00+00,,,,{reason},"
        "2026-10-10 16:00:00+00,fulfilled,"
    )


def requests_export(tmp_path, lines: list[str], encoding: str = "utf-8"):
    path = write_export(full_export(), "files_csv", tmp_path)
    (path / "requests.csv").write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return path


# rows 1-7 of requests.csv: rows 2, 4 and 6 are lines that are not rows; row 3 holds a
# quoted line break (two physical lines, one row); row 5 has a regime outside the codes
MIXED = [
    request("R1"),
    "R2,P1,hipaa",  # row 2: 3 fields of 13
    request("R3", '"asked for\nmore time"'),
    request("R4") + ",extra,fields",  # row 4: 15 fields
    request("R5", regime="gdpr"),  # row 5: unknown_code
    "R6,P1",  # row 6
    request("R7"),
]


@pytest.fixture
def mixed(tmp_path):
    return requests_export(tmp_path, MIXED)


def quarantined(export) -> list[tuple]:
    return export.con.execute(
        "SELECT source_row, reason, row_json FROM quarantine "
        "WHERE table_name = 'requests' ORDER BY source_row"
    ).fetchall()


def test_lines_that_are_not_rows_are_quarantined_and_the_rows_around_them_used(mixed):
    export = open_export(mixed)
    try:
        s = export.tables["requests"]
        got = quarantined(export)
        used = export.con.execute("SELECT request_id FROM requests ORDER BY 1").fetchall()
        reason = export.con.execute(
            "SELECT extension_reason FROM requests WHERE request_id = 'R3'"
        ).fetchall()
    finally:
        export.close()
    assert (s.rows_read, s.rows_used, s.rows_quarantined) == (7, 3, 4)
    assert s.rows_read == s.rows_used + s.rows_quarantined
    assert s.by_reason == {"bad_value": 3, "unknown_code": 1}
    assert used == [("R1",), ("R3",), ("R7",)]
    assert reason == [("asked for\nmore time",)]
    # each quarantined row keeps its place in the file: the unknown code is still row 5
    assert [(r[0], r[1]) for r in got] == [
        (2, "bad_value"),
        (4, "bad_value"),
        (5, "unknown_code"),
        (6, "bad_value"),
    ]
    lines = {r[0]: json.loads(r[2]) for r in got if r[1] == "bad_value"}
    # DuckDB counts records, not physical lines (the quoted break is one record): header 1
    assert {row: v["line"] for row, v in lines.items()} == {2: 3, 4: 5, 6: 7}
    assert lines[2] == {"line": 3, "unreadable": "missing columns", "text": "R2,P1,hipaa"}
    assert lines[4]["unreadable"] == "too many columns"
    assert lines[4]["text"].endswith(",extra,fields")
    assert json.loads(got[2][2])["regime"] == "gdpr"


def test_the_snapshot_reads_the_same_rows_in_the_same_places(mixed, tmp_path):
    export = open_export(mixed)
    try:
        export.write_validated(tmp_path / "snap")
    finally:
        export.close()
    snapshot = open_validated(tmp_path / "snap")
    try:
        used = snapshot.con.execute("SELECT request_id FROM requests ORDER BY 1").fetchall()
        rows = [r[:2] for r in quarantined(snapshot)]
    finally:
        snapshot.close()
    assert used == [("R1",), ("R3",), ("R7",)]
    assert rows == [(2, "bad_value"), (4, "bad_value"), (5, "unknown_code"), (6, "bad_value")]


def test_consecutive_lines_at_the_start_and_the_end(tmp_path):
    path = requests_export(tmp_path, ["R0,P1", "R0,P2", request("R1"), request("R2"), "R9"])
    export = open_export(path)
    try:
        s = export.tables["requests"]
        rows = [r[:2] for r in quarantined(export)]
        raw = export.con.execute(
            "SELECT _row, _raw_request_id FROM _raw_requests ORDER BY _row"
        ).fetchall()
    finally:
        export.close()
    assert (s.rows_read, s.rows_used, s.rows_quarantined) == (5, 2, 3)
    assert rows == [(1, "bad_value"), (2, "bad_value"), (5, "bad_value")]
    assert raw == [(1, None), (2, None), (3, "R1"), (4, "R2"), (5, None)]


def test_an_unterminated_quote_is_one_unreadable_line_holding_what_follows(tmp_path):
    path = requests_export(tmp_path, [request("R1"), request("R2", '"never closed'), request("R3")])
    export = open_export(path)
    try:
        s = export.tables["requests"]
        ((row, reason, as_read),) = quarantined(export)
        (hint,) = read_hints(export)
    finally:
        export.close()
    # the quote runs to the end of the file: R3 is inside the one line quarantined
    assert (s.rows_read, s.rows_used, row, reason) == (2, 1, 2, "bad_value")
    assert "R3,P1" in json.loads(as_read)["text"]
    assert hint.startswith("1 line of requests could not be read as rows (unquoted value;")
    assert "unterminated or stray quote" in hint


def test_validate_prints_the_counts_and_what_to_fix(mixed):
    done = run_cli("validate", str(mixed))
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("requests"))
    assert line.split()[1:4] == ["7", "3", "4"]
    hints = [x for x in done.stdout.splitlines() if x.startswith("hint:")]
    alone = (
        " (for requests alone: [tables.requests] csv_delimiter = ... in analytics.toml, or "
        "--table-option requests.csv_delimiter=...; set export-wide it applies to every file)"
    )
    assert hints == [
        "hint: 2 lines of requests could not be read as rows (missing columns; first at line "
        "3): fewer fields than the header: a line cut short, or not ',' as delimiter "
        "(set csv_delimiter)" + alone,
        "hint: 1 line of requests could not be read as rows (too many columns; first at line "
        "5): more fields than the header: a delimiter inside an unquoted value, or not ',' as "
        "delimiter (set csv_delimiter)" + alone,
    ]


def test_a_header_not_in_the_encoding_stops_with_the_setting_to_use(tmp_path):
    path = requests_export(tmp_path, [request("R1")], encoding="utf-16")
    with pytest.raises(ExportError) as info:
        open_export(path)
    message = str(info.value)
    assert "table 'requests'" in message and "requests.csv" in message
    assert "not utf-8 text: set this table's encoding" in message and '"utf-16"' in message
    assert "[tables.requests] csv_encoding" in message


def test_a_utf16_file_is_read_with_its_encoding(tmp_path):
    from analytics.loading.export import ReadOptions

    path = requests_export(tmp_path, [request("R1"), "R2,P1"], encoding="utf-16")
    for file in path.glob("*.csv"):  # the whole export, as the spreadsheet saved it
        if file.name != "requests.csv":
            file.write_bytes(file.read_text(encoding="utf-8").encode("utf-16"))
    export = open_export(path, options=ReadOptions(csv_encoding="utf-16"))
    try:
        s = export.tables["requests"]
    finally:
        export.close()
    assert (s.rows_read, s.rows_used, s.by_reason) == (2, 1, {"bad_value": 1})


def test_a_header_repeating_a_contract_column_is_still_an_error(tmp_path):
    path = requests_export(tmp_path, [request("R1")])
    text = (path / "requests.csv").read_text().replace("denial_reason", "Patient_ID", 1)
    (path / "requests.csv").write_text(text)
    with pytest.raises(ExportError, match="two columns for 'patient_id'"):
        open_export(path)
