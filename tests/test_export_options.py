"""Exports as clinics have them: timestamps as a spreadsheet writes them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.loading.loader import ReadOptions, open_export, timestamp_hints
from conftest import full_export, rows, write_export
from conftest import run_cli as cli

US = "%m/%d/%Y %I:%M %p"


@pytest.fixture(scope="module")
def us_export(tmp_path_factory):
    """Requests received '10/03/2026 2:05 PM' (Pacific time, no offset), as a CSV."""
    tables = full_export(
        requests=rows(
            "requests",
            {"received_at": "10/03/2026 2:05 PM"},
            {"request_id": "R2", "received_at": "10/04/2026 9:15 AM"},
        )
    )
    return write_export(tables, "files_csv", tmp_path_factory.mktemp("us"), typed=False)


def test_without_the_format_every_row_is_quarantined_and_the_hint_names_it(us_export):
    export = open_export(us_export)
    try:
        assert export.tables["requests"].by_reason == {"bad_value": 2}
        (hint,) = timestamp_hints(export)
    finally:
        export.close()
    assert hint.startswith("all 2 received_at values of requests that could not be read")
    assert f'"{US}"' in hint and "timestamp_format" in hint


def test_with_the_format_and_zone_every_row_is_read_as_local_time(us_export):
    options = ReadOptions((US,), "America/Los_Angeles")
    export = open_export(us_export, options=options)
    try:
        s = export.tables["requests"]
        assert (s.rows_read, s.rows_used, s.rows_quarantined) == (2, 2, 0)
        got = export.con.execute(
            "SELECT request_id, received_at, closed_at FROM requests ORDER BY request_id"
        ).fetchall()
    finally:
        export.close()
    # 2:05 PM Pacific daylight time is 21:05 UTC; ISO values with an offset still read
    assert got[0][1] == datetime(2026, 10, 3, 21, 5, tzinfo=UTC)
    assert got[1][1] == datetime(2026, 10, 4, 16, 15, tzinfo=UTC)
    assert got[0][2] == datetime(2026, 10, 10, 16, 0, tzinfo=UTC)


def test_validate_prints_the_hint_and_reads_with_the_option(us_export):
    done = cli("validate", str(us_export))
    assert done.returncode == 0 and "hint: all 2 received_at values" in done.stdout
    done = cli(
        "validate",
        str(us_export),
        "--timestamp-format",
        US,
        "--timestamp-timezone",
        "America/Los_Angeles",
    )
    assert done.returncode == 0, done.stderr
    assert "hint:" not in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("requests"))
    assert line.split()[1:4] == ["2", "2", "0"]


def test_a_timestamp_zone_that_does_not_exist_is_a_usage_error(us_export):
    done = cli("validate", str(us_export), "--timestamp-timezone", "Mars/Olympus")
    assert done.returncode == 2 and "not a time zone" in done.stderr
