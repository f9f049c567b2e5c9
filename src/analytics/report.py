"""Execute report notebooks with Papermill and render them to offline HTML.

A run builds every page in a temporary folder beside the target and swaps it into place
only when every notebook succeeded: a failed run never leaves a half-written month and
never overwrites the last good one.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from analytics.paths import notebooks_dir, template_dir

KERNEL_NAME = "analytics"


class RunError(Exception):
    """A run that failed: the message names the notebook, the cell and the error."""


@dataclass
class NotebookResult:
    """Where one notebook's outputs landed."""

    name: str
    executed: Path
    html: Path
    officer_html: Path


def ensure_kernel() -> str:
    """Return a Jupyter kernel name that runs this very interpreter.

    Registers (or re-registers) the ``analytics`` kernel in this environment when it is
    missing or points at another Python, so Papermill never runs a stale interpreter.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (analytics)", prefix=sys.prefix)
    return KERNEL_NAME


class _DropStderr(Preprocessor):
    """Leave warnings and logs in the executed notebook, out of the reader's page."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        return cell, resources


OFFICER_TAG = "officer"


def render_html(notebook: nbformat.NotebookNode, *, drop_tags: tuple[str, ...] = ()) -> str:
    """Render an executed notebook as a self-contained page with no code and no CDN.

    Cells carrying any of ``drop_tags`` are left out (the leadership page drops the
    officer's work lists, which name patients, requests and messages).
    """
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(template_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(_DropStderr(), enabled=True)
    if drop_tags:
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=set(drop_tags), enabled=True), enabled=True
        )
    body, _ = exporter.from_notebook_node(notebook)
    return body


def report_notebooks(directory: Path | None = None) -> list[Path]:
    """Every report notebook, in name order."""
    return sorted((directory or notebooks_dir()).glob("*.ipynb"))


def execute(notebook: Path, output: Path, parameters: dict, kernel: str) -> nbformat.NotebookNode:
    """Run one notebook with Papermill; raise RunError naming the failing cell."""
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name=kernel,
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=False,
        )
    except papermill.PapermillExecutionError as e:
        first = (e.source or "").strip().splitlines()[:1] or [""]
        raise RunError(
            f"notebook {notebook.name} failed in cell {e.cell_index} ({first[0][:80]!r}): "
            f"{e.ename}: {e.evalue}"
        ) from None


def run_notebooks(notebooks: list[Path], target: Path, parameters: dict) -> list[NotebookResult]:
    """Execute and render notebooks into ``target``, replacing it only if all succeed.

    Each notebook runs once with ``audience="officer"``. The leadership page (in
    ``target``) leaves out cells tagged ``officer``; the officer's page and the executed
    notebook go to ``target/officer/``, readable by the owner only.
    """
    kernel = ensure_kernel()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    officer = staging / "officer"
    officer.mkdir(mode=0o700)
    parameters = {**parameters, "audience": "officer"}
    try:
        results = []
        for nb in notebooks:
            executed = officer / nb.name
            try:
                node = execute(nb, executed, parameters, kernel)
            except RunError as e:
                kept = _keep_failed(executed, target)
                raise RunError(f"{e}\n  the failed notebook is kept at {kept}") from None
            os.chmod(executed, 0o600)
            page = staging / (nb.stem + ".html")
            _write(page, render_html(node, drop_tags=(OFFICER_TAG,)), 0o644)
            _write(officer / page.name, render_html(node), 0o600)
            results.append(
                NotebookResult(
                    nb.stem,
                    target / "officer" / nb.name,
                    target / page.name,
                    target / "officer" / page.name,
                )
            )
        os.chmod(staging, 0o755)
        _swap_into_place(staging, target)
        return results
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(path: Path, text: str, mode: int) -> None:
    """Write a file created with ``mode`` from the start (no window of wider access)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def _keep_failed(executed: Path, target: Path) -> Path | None:
    """Keep a failed notebook (with Papermill's error banner) for diagnosis."""
    if not executed.exists():
        return None
    failed = target.parent / "failed"
    failed.mkdir(mode=0o700, exist_ok=True)
    kept = failed / f"{target.name}-{executed.name}"
    shutil.copyfile(executed, kept)
    return kept


def _swap_into_place(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames on the same file system."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{staging.name}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
