"""The report run: notebooks executed by Papermill, offline HTML, safe replacement."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs

from analytics.paths import notebooks_dir
from analytics.report import RunError, ensure_kernel, report_notebooks, run_notebooks
from conftest import tree_hash
from reports import MARKUP, SECRET_ID, tiny_month_export

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """One run of every report notebook over the tiny export, for 2026-10."""
    tmp = tmp_path_factory.mktemp("run")
    source = tiny_month_export(tmp / "export")
    params = {"source": str(source), "period": "2026-10", "policy": None}
    target = tmp / "reports" / "2026-10"
    results = run_notebooks(report_notebooks(), target, params)
    return target, results, params


def test_kernel_runs_this_interpreter():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(ensure_kernel())
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()


def test_every_notebook_has_a_parameters_cell_and_no_outputs():
    import nbformat

    for path in report_notebooks():
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


def test_run_writes_leadership_and_officer_pages(month):
    target, results, _ = month
    assert {r.name for r in results} == {p.stem for p in report_notebooks()}
    for r in results:
        assert r.html.is_file() and r.officer_html.is_file() and r.executed.is_file()
        assert stat.S_IMODE(os.stat(r.officer_html).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(r.executed).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(target / "officer").st_mode) == 0o700


def test_leadership_page_carries_no_ids_and_officer_page_escapes_markup(month):
    target, _, _ = month
    page = (target / "data_quality.html").read_text()
    officer = (target / "officer" / "data_quality.html").read_text()
    assert SECRET_ID not in page
    assert SECRET_ID in officer
    assert MARKUP not in officer  # shown escaped, never as markup
    assert "&lt;img src=x onerror=" in officer


def test_pages_are_self_contained(month):
    target, _, _ = month
    js = get_plotlyjs()
    for page in [target / "data_quality.html", target / "officer" / "data_quality.html"]:
        text = page.read_text()
        assert text.count(js[:500]) == 1  # plotly.js inlined once
        text = text.replace(js, "")  # its own bundle names map-tile hosts it never uses here
        assert "<script src=" not in text
        assert 'rel="stylesheet" href="http' not in text
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "unpkg" not in text
        assert "plotly-graph-div" in text
        assert "hl-ipython3" not in text and "open_report(" not in text  # no code


def test_figures_are_labelled_with_rule_and_period(month):
    target, _, _ = month
    text = (target / "data_quality.html").read_text()
    assert "Period:</b> 2026-10" in text
    assert "Rule:</b> data contract v1" in text


def test_failed_run_leaves_the_last_good_month_untouched(month, tmp_path):
    target, _, params = month
    before = tree_hash(target)
    with pytest.raises(RunError) as info:
        run_notebooks([*report_notebooks(), FIXTURES / "broken.ipynb"], target, params)
    message = str(info.value)
    assert "broken.ipynb" in message and "RuntimeError: planted failure" in message
    assert "raise RuntimeError" in message  # the failing cell is named by its code
    assert tree_hash(target) == before
    leftovers = [p.name for p in target.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert (target.parent / "failed" / "2026-10-broken.ipynb").is_file()


def test_run_cli_makes_the_month_from_a_source(tmp_path):
    source = tiny_month_export(tmp_path / "export")
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "run", "--source", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "2026-10" / "data_quality.html").is_file()  # default period: last full month


def test_notebooks_folder_is_the_projects():
    assert (notebooks_dir() / "data_quality.ipynb").is_file()
