"""CSV written by the suite neutralises spreadsheet formulas."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from analytics.compute.declare import Domain, WorkList
from analytics.period import Period
from analytics.presentation.worklist import neutralise, shown_part, to_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r'=1"),
        ("STOP", "STOP"),
        ("  =1+1", "'  =1+1"),  # after leading spaces
        ("STOP\r=cmd|' /C calc'!A0", "STOP\r'=cmd|' /C calc'!A0"),  # after a bare CR
        ("ok\n+A1\r\n@x", "ok\n'+A1\r\n'@x"),
        ("-3", "-3"),  # a number written as text stays a number
        (" +2.5e3", " +2.5e3"),
        ("a=b", "a=b"),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_a_bare_carriage_return_in_an_sms_body_starts_no_formula_row():
    """Anyone who can text the clinic writes this cell: read back as Python's csv reads
    it, and as a reader that ends a row at every bare CR (as spreadsheets do with an
    unquoted field), no cell is a formula."""
    import csv
    import io

    body = "STOP\r=cmd|' /C calc'!A0"
    frame = pd.DataFrame({"body": [body, "=1+1", "x\n@SUM(A1)"], "n": [1, -2, 3]})
    text = to_csv(frame)
    assert "\"STOP\r'=cmd|' /C calc'!A0\"" in text  # quoted: the CR stays inside the cell
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[0] for row in parsed[1:]] == [
        "STOP\r'=cmd|' /C calc'!A0",
        "'=1+1",
        "x\n'@SUM(A1)",
    ]
    naive = [cell for line in re.split(r"\r\n|\r|\n", text) for cell in line.split(",")]
    formulas = [c for c in naive if c.lstrip(' "').startswith(("=", "+", "@"))]
    assert formulas == []
    assert [row[1] for row in parsed[1:]] == ["1", "-2", "3"]  # numbers stay numbers


def test_to_csv_neutralises_headers_and_cells_and_keeps_numbers():
    frame = pd.DataFrame({"=x": ["=1+1", "ok", None], "n": [-3, 4, 5]})
    text = to_csv(frame)
    assert text.splitlines() == ["'=x,n", "'=1+1,-3", "ok,4", ",5"]


def officer() -> SimpleNamespace:
    """The officer's context, over an export whose month has computed nothing yet."""
    export = SimpleNamespace(figures={})
    return SimpleNamespace(
        for_officer=True,
        period=Period(2026, 10),
        policy=SimpleNamespace(sha256="p"),
        export=export,
        missing_logs=lambda logs: [],
    )


LEADERSHIP = SimpleNamespace(for_officer=False)


def declared(make, name: str = "q", domain: str = "retention") -> Domain:
    """A domain declaring one list, ``name``, made by ``make``."""
    return Domain(
        name=domain,
        title="",
        promise="",
        rule="",
        policy_section=object,
        tables=(),
        metric_names=(),
        metrics=None,  # type: ignore[arg-type]
        trends=lambda ctx: [],
        lists=(WorkList(name, "Due", make=make),),
    )


def shown(make, name: str = "q", domain: str = "retention", ctx=None) -> str:
    """The page of the list ``domain.name``."""
    from analytics.presentation.page import work_list

    return work_list(ctx or officer(), declared(make, name, domain), name).data


def test_a_work_list_holds_every_row_and_its_csv():
    import base64
    import re

    frame = pd.DataFrame(
        {
            "record_id": [f"R{i}" for i in range(250)],
            "days_overdue": list(range(250)),
            "due": pd.to_datetime(["2026-10-01", "2026-10-02"] * 125),
            "note": ["=HYPERLINK(1)"] + ["<b>x</b>"] * 249,
            "record_class": ["medical"] * 250,  # the same in every row: said once
        }
    )
    page = shown(lambda ctx: frame, "destruction_queue")
    assert '<p class="worklist-common">Every row: Record class: medical.</p>' in page
    assert ">Record class<" not in page and ">Days overdue</button>" in page
    assert page.count("<tr>") == 251  # the header and every row, not 200
    assert "R0<" in page and "R249<" in page
    # text left, numbers right (sortable by value), dates without a midnight time
    assert '<td style="text-align:left">R7</td>' in page
    assert '<td style="text-align:right" data-sort="7.0">7</td>' in page
    assert '<td style="text-align:left">2026-10-01</td>' in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert 'aria-sort="none"' in page and 'type="search"' in page
    assert 'class="worklist-scroll" style="overflow-x:auto' in page  # wide lists scroll
    (data,) = re.findall(
        r'download="retention.destruction_queue.csv" style="text-decoration:underline" '
        r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)"',
        page,
    )
    assert base64.b64decode(data).decode() == to_csv(frame)
    assert "'=HYPERLINK(1)" in to_csv(frame)
    assert "\r\nR0,0,2026-10-01,'=HYPERLINK(1),medical\r\n" in to_csv(frame)  # ISO dates
    assert 'download="retention.destruction_queue.xlsx"' in page
    assert "none" in shown(lambda ctx: frame.head(0))


def test_a_work_list_as_a_spreadsheet_keeps_formulas_as_text_and_dates_as_dates():
    """The .xlsx beside the CSV: headings in words, bold, frozen and filtered; a body
    starting "=" stored as text with Excel's quote prefix (never a formula, even when
    edited); a date a date; a flag Yes or No."""
    import io

    from openpyxl import load_workbook

    from analytics.presentation.worklist import to_xlsx

    frame = pd.DataFrame(
        {
            "message_id": ["M1", "M2"],
            "text_as_received": ['=HYPERLINK("http://x","stop")', "STOP"],
            "sent": pd.to_datetime(["2026-10-01", "2026-10-02"]),
            "new_since_last_month": [True, False],
            "days_overdue": [3, None],
        }
    )
    sheet = load_workbook(io.BytesIO(to_xlsx(frame, "Withdrawals: October"))).active
    assert sheet.title == "Withdrawals  October"  # a colon may not name a sheet
    assert [c.value for c in sheet[1]] == [
        "Message id",
        "Text as received",
        "Sent",
        "New since last month",
        "Days overdue",
    ]
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    formula = sheet["B2"]
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    assert formula.quotePrefix and not sheet["B3"].quotePrefix
    assert sheet["C2"].is_date and sheet["C2"].number_format == "yyyy-mm-dd"
    assert [sheet["D2"].value, sheet["D3"].value] == ["Yes", "No"]
    assert sheet["E2"].value == 3 and sheet["E3"].value is None


def test_a_list_longer_than_a_page_can_hold_says_where_the_rest_is(monkeypatch):
    from analytics.presentation import worklist

    monkeypatch.setattr(worklist, "INTERACTIVE_ROWS", 5)
    frame = pd.DataFrame({"record_id": [f"R{i}" for i in range(8)]})
    page = shown(lambda ctx: frame)
    assert "8 rows, the first 5 shown here and in the download" in page
    assert "officer/worklists/retention.q.csv of the monthly run" in page
    assert "R4<" in page and "R5<" not in page


def test_work_list_for_leadership_is_empty_and_never_computed():
    def must_not_run(ctx):
        raise AssertionError("an officer's list was computed for leadership")

    assert shown(must_not_run, ctx=LEADERSHIP) == ""


def test_a_work_list_the_run_computed_is_shown_not_computed_again():
    """The monthly run computes the lists (for their CSV files) before the notebooks run;
    a notebook's page shows the run's list instead of computing it a second time."""
    from analytics.compute.memo import remember

    def must_not_run(ctx):
        raise AssertionError("the run's list was computed again")

    ctx = officer()
    remember(ctx, "retention.q", shown_part(pd.DataFrame({"record_id": ["R-FROM-THE-RUN"]})))
    assert "R-FROM-THE-RUN<" in shown(must_not_run, ctx=ctx)


def test_the_run_keeps_of_a_long_list_what_a_page_shows_and_its_length(tmp_path, monkeypatch):
    """A health system's destruction queue holds hundreds of thousands of records: the run
    writes it whole to its CSV file and keeps for the notebooks only the rows a page shows
    and the count, which the page states."""
    from analytics.compute.memo import month_figure
    from analytics.presentation.worklist import INTERACTIVE_ROWS
    from analytics.run import worklists

    long = pd.DataFrame({"record_id": [f"R{i}" for i in range(INTERACTIVE_ROWS + 7)]})
    ctx = officer()
    monkeypatch.setattr(worklists, "DOMAINS", (declared(lambda c: long),))
    (path,) = worklists.write_work_lists(ctx, tmp_path / "lists")
    assert path.name == "retention.q.csv"
    assert path.read_text().count("\n") == INTERACTIVE_ROWS + 8  # header and every row
    kept, rows = month_figure(ctx, "retention.q", lambda: None)
    assert (len(kept), rows) == (INTERACTIVE_ROWS, INTERACTIVE_ROWS + 7)
    page = shown(lambda c: None, ctx=ctx)
    assert f"{INTERACTIVE_ROWS + 7:,} rows" in page
    assert f"R{INTERACTIVE_ROWS - 1}<" in page and f"R{INTERACTIVE_ROWS}<" not in page


def test_a_list_longer_than_a_spreadsheet_is_worth_is_its_csv_alone(tmp_path, monkeypatch):
    """Past ``SPREADSHEET_MAX_ROWS`` rows a list gets no spreadsheet (minutes to write at a
    health system's size, more than Excel opens): its CSV holds every row; a list at the
    limit gets both."""
    from analytics.run import worklists

    monkeypatch.setattr(worklists, "SPREADSHEET_MAX_ROWS", 3)
    for rows, spreadsheet in ((3, True), (4, False)):
        frame = pd.DataFrame({"record_id": [f"R{i}" for i in range(rows)]})
        monkeypatch.setattr(worklists, "DOMAINS", (declared(lambda c, f=frame: f),))
        folder = tmp_path / str(rows)
        (path,) = worklists.write_work_lists(officer(), folder)
        assert path.read_text().count("\n") == rows + 1
        assert path.with_suffix(".xlsx").exists() is spreadsheet


def test_a_spreadsheet_interrupted_while_written_leaves_no_archive_open(monkeypatch):
    """SIGTERM during the run's spreadsheets: the archive is closed as the interruption
    passes through (left open, its finaliser wrote a traceback to the scheduler's log at
    exit)."""
    from openpyxl.writer.excel import ExcelWriter

    from analytics.presentation.worklist import to_xlsx

    opened = []

    def interrupted(self):
        opened.append(self._archive)
        raise KeyboardInterrupt

    monkeypatch.setattr(ExcelWriter, "write_data", interrupted)
    with pytest.raises(KeyboardInterrupt):
        to_xlsx(pd.DataFrame({"record_id": ["R1"]}), "Due")
    (archive,) = opened
    assert archive.fp is None  # closed
