"""CSV written by the suite neutralises spreadsheet formulas."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from analytics.run.worklists import neutralise, to_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("STOP", "STOP"),
        ("a=b", "a=b"),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_to_csv_neutralises_headers_and_cells_and_keeps_numbers():
    frame = pd.DataFrame({"=x": ["=1+1", "ok", None], "n": [-3, 4, 5]})
    text = to_csv(frame)
    assert text.splitlines() == ["'=x,n", "'=1+1,-3", "ok,4", ",5"]


OFFICER = SimpleNamespace(for_officer=True)
LEADERSHIP = SimpleNamespace(for_officer=False)


def test_work_list_page_shows_at_most_200_rows_and_names_the_csv():
    from analytics.presentation.page import work_list

    frame = pd.DataFrame({"record_id": [f"R{i}" for i in range(250)]})
    page = work_list(OFFICER, lambda ctx: frame, "Due", "retention-destruction-queue").data
    assert "250 rows, the first 200 shown" in page
    assert "officer/worklists/retention-destruction-queue.csv" in page
    assert "R199" in page and "R200" not in page
    assert "none" in work_list(OFFICER, lambda ctx: frame.head(0), "Due", "x").data


def test_work_list_for_leadership_is_empty_and_never_computed():
    from analytics.presentation.page import work_list

    def must_not_run(ctx):
        raise AssertionError("an officer's list was computed for leadership")

    assert work_list(LEADERSHIP, must_not_run, "Due", "x").data == ""
