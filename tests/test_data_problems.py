"""No figure is green on data that did not arrive: such tiles read "data problem"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.domains.quality import data_problems
from analytics.presentation.index import render_index, tiles
from analytics.registry import DOMAINS, open_report
from analytics.run.metrics_json import compute_all
from helpers import full_export, rows, write_export

REPORTS = [{"name": d.name, "title": d.title, "file": f"{d.name}.html"} for d in DOMAINS]


@pytest.fixture(scope="module")
def us_dates(tmp_path_factory):
    """Every request's timestamps written as a US spreadsheet would: all quarantined."""
    bad = {"received_at": "10/03/2026 2:05 PM"}
    tables = full_export(requests=rows("requests", bad, {"request_id": "R2", **bad}))
    path = write_export(tables, "files_csv", tmp_path_factory.mktemp("us"), typed=False)
    ctx = open_report(path, "2026-10")
    yield ctx
    ctx.export.close()


def test_a_fully_quarantined_table_is_a_data_problem(us_dates):
    assert data_problems(us_dates) == {
        "requests": "2 of 2 requests rows quarantined (more than 1%)"
    }


def test_its_tiles_read_data_problem_never_green(us_dates):
    rows_ = compute_all(us_dates)
    problems = data_problems(us_dates)
    found = tiles(rows_, us_dates.policy, {d.name for d in DOMAINS}, problems)
    requests_tiles = [t for t in found if t.report == "requests"]
    assert requests_tiles and {t.status for t in requests_tiles} == {"problem"}
    assert {t.status_text for t in requests_tiles} == {"data problem"}
    # without the check, "open and overdue: 0" would have been green
    overdue = next(t for t in requests_tiles if t.metric == "requests.open_overdue")
    assert overdue.value_text == "0" and "quarantined" in overdue.problem
    assert all(t.status != "problem" for t in found if t.report != "requests")


def test_the_overview_leads_with_the_problem(us_dates):
    page = render_index(us_dates, compute_all(us_dates), [], REPORTS, datetime.now(UTC))
    assert page.index("Data problems") < page.index('id="action"')
    assert "2 of 2 requests rows quarantined" in page
    assert 'class="tile green" data-metric="requests.' not in page


def test_an_empty_or_absent_table_is_a_data_problem(tmp_path):
    tables = full_export(records=[])
    del tables["vendors"]  # the one optional table
    ctx = open_report(write_export(tables, "files_parquet", tmp_path), "2026-10")
    try:
        found = data_problems(ctx)
    finally:
        ctx.export.close()
    assert found["records"] == "the records table is empty"
    assert found["vendors"] == "the export has no vendors table"


@pytest.fixture(scope="module")
def misspelt(tmp_path_factory):
    """A spreadsheet export whose records carry ``Disposal_Date`` for ``disposed_at``."""
    path = write_export(full_export(), "files_csv", tmp_path_factory.mktemp("misspelt"))
    records = path / "records.csv"
    header, rest = records.read_text().split("\n", 1)
    records.write_text(header.replace("disposed_at", "Disposal_Date") + "\n" + rest)
    return path


def test_a_misspelt_column_is_named_everywhere_not_only_by_validate(misspelt):
    from analytics.domains.quality import absent_columns
    from analytics.run.metrics_json import document
    from helpers import run_cli

    ctx = open_report(misspelt, "2026-10")
    try:
        s = ctx.export.tables["records"]
        assert (s.absent_columns, s.near_misses) == (
            ["disposed_at"],
            {"disposed_at": "Disposal_Date"},
        )
        assert "looks like it" in data_problems(ctx)["records.disposed_at"]
        table = absent_columns(ctx.export).to_dict("records")
        assert table == [
            {
                "table": "records",
                "column": "disposed_at",
                "read as": "empty (NULL)",
                "the export has instead": "Disposal_Date",
            }
        ]
        entry = document(ctx, [], datetime.now(UTC))["source"]["tables"]["records"]
        assert entry["near_misses"] == {"disposed_at": "Disposal_Date"}
    finally:
        ctx.export.close()
    done = run_cli("validate", str(misspelt))
    assert "it has 'Disposal_Date': rename it to 'disposed_at'" in done.stdout


@pytest.mark.slow
def test_the_run_s_data_quality_page_names_the_misspelt_column_and_the_fix(misspelt, tmp_path):
    """The page also says what would read a CSV line that is not a row."""
    import shutil

    import papermill

    from analytics.paths import notebooks_dir
    from analytics.run.kernels import ensure_kernel
    from analytics.run.pages import render_html

    source = shutil.copytree(misspelt, tmp_path / "export")
    with (source / "messages.csv").open("a") as f:
        f.write("M9,P1\n")
    node = papermill.execute_notebook(
        str(notebooks_dir() / "quality.ipynb"),
        str(tmp_path / "quality.ipynb"),
        parameters={"source": str(source), "period": "2026-10", "audience": "leadership"},
        kernel_name=ensure_kernel(),
        progress_bar=False,
    )
    page = render_html(node)
    assert "Columns the export lacks" in page and "Disposal_Date" in page
    assert "What would read the rest" in page
    assert "1 line of messages could not be read as rows (missing columns; first at line 3)" in page
    assert "every table balanced: yes" in page


def test_a_misspelt_column_marks_only_the_figures_that_read_it(misspelt):
    """records' Disposal_Date (for disposed_at): the retention figures, which read it, are
    not judged; rights honoured's notice figures read three other columns of records, and
    the other rights-honoured figures no column of it, so none of them is marked."""
    from analytics.presentation.index import tiles
    from analytics.registry import DOMAINS, load_policy

    ctx = open_report(misspelt, "2026-10")
    try:
        problems = data_problems(ctx)
    finally:
        ctx.export.close()
    assert list(problems) == ["records.disposed_at"]
    rows = [
        {"metric": "complaints.open_overdue", "segment": "all", "value": 2},
        {"metric": "notice.ack_rate", "segment": "all", "value": 1.0},
        {"metric": "retention.overdue_disposal", "segment": "all", "value": 0},
    ]
    shown = {
        t.metric: t
        for t in tiles(rows, load_policy(), {d.name for d in DOMAINS}, problems)
        if t.segment == "all"
    }
    assert shown["retention.overdue_disposal"].status == "problem"
    assert shown["notice.ack_rate"].status == "green"
    assert shown["complaints.open_overdue"].status == "red"  # a real violation stays
    assert shown["complaints.open_overdue"].sentence.startswith("2 privacy complaints")
