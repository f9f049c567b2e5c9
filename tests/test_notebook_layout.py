"""The notebooks read as reports in JupyterLab: code collapsed, a recording's output
collapsed, and the parameters cell a form that says how to fill it in."""

from __future__ import annotations

import nbformat

from analytics.devtools import FORM_HEADER, presented, problems
from analytics.paths import notebooks_dir


def test_every_shipped_notebook_reads_as_a_report():
    paths = sorted(notebooks_dir().glob("*.ipynb"))
    assert len(paths) >= 10
    assert [msg for p in paths for msg in problems(p)] == []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            hidden = cell.metadata.get("jupyter", {})
            if "parameters" in cell.metadata.get("tags", []):
                assert cell.source.startswith(FORM_HEADER) and not hidden, path.name
            else:
                assert hidden.get("source_hidden") is True, (path.name, cell.source[:40])
            if "record" in cell.metadata.get("tags", []):
                assert hidden.get("outputs_hidden") is True, path.name


def _notebook(parameters: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    form = nbformat.v4.new_code_cell(parameters)
    form.metadata["tags"] = ["parameters"]
    record = nbformat.v4.new_code_cell("page.record_metrics(rows)")
    record.metadata["tags"] = ["record"]
    nb.cells = [nbformat.v4.new_markdown_cell("# A report"), form, record]
    return nb


def test_laying_out_a_notebook_twice_changes_nothing_more():
    nb = presented(_notebook("# Parameters (old words)\nperiod = None  # month YYYY-MM\n"))
    form, record = nb.cells[1], nb.cells[2]
    assert form.source == FORM_HEADER + "period = None  # month YYYY-MM"
    assert record.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    again = presented(nbformat.reads(nbformat.writes(nb), as_version=4))
    assert nbformat.writes(again) == nbformat.writes(nb)


def test_a_parameter_without_its_explanation_is_a_problem(tmp_path):
    path = tmp_path / "report.ipynb"
    nbformat.write(presented(_notebook("period = None\n")), path)
    assert problems(path) == [f"{path}: parameter without its explanation: period = None"]
    nbformat.write(_notebook("period = None  # month YYYY-MM\n"), path)  # code shown
    assert problems(path) == [
        f"{path}: code shown or the form's header missing (run `make format`)"
    ]
