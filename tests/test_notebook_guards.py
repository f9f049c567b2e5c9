"""The notebooks refuse what the CLI refuses, with one clear message and no figure below it.

An officer in JupyterLab types a month or a date into the parameters cell; the notebook
must not answer with zeros for a month the export does not cover, nor with a letter for a
date it cannot speak for, nor with twenty lines of library traceback for a typing slip.
"""

from __future__ import annotations

import nbformat
import papermill
import pytest

from analytics.paths import notebooks_dir
from analytics.registry import DOMAINS
from reports import tiny_month_export

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return tiny_month_export(tmp_path_factory.mktemp("guards") / "export")


def run_failing(notebook: str, parameters: dict, out) -> tuple[str, nbformat.NotebookNode]:
    """Execute a notebook that must fail; return the error's message and the notebook."""
    from analytics.run.kernels import ensure_kernel

    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(notebooks_dir() / notebook),
            str(out),
            parameters=parameters,
            kernel_name=ensure_kernel(),
            progress_bar=False,
        )
    return info.value.evalue, nbformat.read(str(out), as_version=4)


def outputs_after_the_error(nb: nbformat.NotebookNode) -> tuple[list, list]:
    """The failing cell's outputs, and every output of the code cells after it."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = next(i for i, c in enumerate(code) if any(o.output_type == "error" for o in c.outputs))
    return code[failed].outputs, [o for c in code[failed + 1 :] for o in c.outputs]


def assert_one_clear_message(outputs: list, words: str) -> None:
    (error,) = [o for o in outputs if o.output_type == "error"]
    assert error.traceback == [f"{error.ename}: {error.evalue}"]  # one line, no library frames
    shown = [o for o in outputs if o.output_type == "display_data"]
    assert len(shown) == 1 and 'role="alert"' in shown[0].data["text/html"]
    assert words in shown[0].data["text/html"]


@pytest.mark.parametrize("name", [d.name for d in DOMAINS])
def test_a_period_outside_the_export_is_refused_and_no_figure_is_shown(export, tmp_path, name):
    message, nb = run_failing(
        f"{name}.ipynb", {"source": str(export), "period": "2030-01"}, tmp_path / "out.ipynb"
    )
    assert message.startswith("period 2030-01 has not begun")
    failing, below = outputs_after_the_error(nb)
    assert_one_clear_message(failing, "has not begun")
    assert below == []  # not one table or chart after the message


def test_a_period_typed_in_words_is_one_message(export, tmp_path):
    message, nb = run_failing(
        "requests.ipynb", {"source": str(export), "period": "March 2026"}, tmp_path / "out.ipynb"
    )
    assert message == "period 'March 2026' is not a month written YYYY-MM (e.g. 2026-10)"
    failing, below = outputs_after_the_error(nb)
    assert_one_clear_message(failing, "is not a month written YYYY-MM")
    assert below == []


def test_the_accounting_notebook_refuses_a_date_before_the_records(export, tmp_path):
    message, nb = run_failing(
        "disclosures_accounting.ipynb",
        {"source": str(export), "patient_id": "P1", "as_of": "2019-01-01"},
        tmp_path / "out.ipynb",
    )
    assert message.startswith("as-of date 2019-01-01 is before the export's disclosure records")
    failing, below = outputs_after_the_error(nb)
    assert_one_clear_message(failing, "an accounting from it would show nothing")
    assert below == []  # no letter


def test_a_bug_keeps_its_full_traceback(export, tmp_path):
    """Only the suite's own errors are shortened: anything else is a bug to report."""
    _, nb = run_failing(
        "requests.ipynb", {"source": str(export), "policy": 12}, tmp_path / "out.ipynb"
    )
    failing, _ = outputs_after_the_error(nb)
    (error,) = [o for o in failing if o.output_type == "error"]
    assert len(error.traceback) > 1
