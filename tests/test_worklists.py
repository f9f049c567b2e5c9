"""CSV written by the suite neutralises spreadsheet formulas."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.worklists import neutralise, to_csv


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
