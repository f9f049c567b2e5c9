"""The monthly run's notebooks: which they are (``report_notebooks``), and one executed
for the officer and rendered to both of its pages (``build_pages``)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from analytics.files import write_private
from analytics.paths import notebooks_dir
from analytics.presentation.charts import PLOTLY_FILE
from analytics.registry import DOMAINS
from analytics.run.kernels import Timeouts, WarmKernel, execute
from analytics.run.pages import OFFICER_TAG, PAGE_CSS, render_html


@dataclass
class NotebookResult:
    """Where one notebook's outputs landed, and its title."""

    name: str
    title: str
    executed: Path
    html: Path
    officer_html: Path
    seconds: float = 0.0  # executing and rendering it


def report_notebooks(directory: Path | None = None) -> list[Path]:
    """Every notebook of the monthly run: the registered domains' in registry order, then
    any other (a clinic's own) in name order.

    A notebook whose metadata says ``"analytics": {"monthly": false}`` (the accounting of
    disclosures, made for one patient on request) is left out.
    """
    order = {d.notebooks[0]: i for i, d in enumerate(DOMAINS)}
    found = []
    for path in (directory or notebooks_dir()).glob("*.ipynb"):
        meta = nbformat.read(path, as_version=4).metadata.get("analytics", {})
        if meta.get("monthly", True):
            found.append(path)
    return sorted(found, key=lambda p: (order.get(p.name, len(order)), p.name))


def notebook_title(notebook: Path) -> str:
    """A notebook's title, as its pages and the overview name it: its metadata's."""
    return _title(nbformat.read(notebook, as_version=4).metadata, notebook)


def _title(metadata: dict, notebook: Path) -> str:
    return metadata.get("title") or notebook.stem.replace("_", " ")


def build_pages(
    notebook: Path, folder: Path, parameters: dict, timeouts: Timeouts, warm: WarmKernel
) -> NotebookResult:
    """Execute one notebook for the officer and render both of its pages into ``folder``.

    The notebook runs once with ``audience="officer"``. The leadership page leaves out
    cells tagged ``officer``; the officer's page and the executed notebook go to
    ``folder/officer/``, readable by the owner only.
    """
    started = time.monotonic()
    officer = folder / "officer"
    executed = officer / notebook.name
    node = execute(notebook, executed, {**parameters, "audience": "officer"}, timeouts, warm)
    os.chmod(executed, 0o600)
    page = folder / f"{notebook.stem}.html"
    leadership_page = render_html(node, drop_tags=(OFFICER_TAG,), css_href=PAGE_CSS)
    write_private(page, leadership_page, 0o644)
    officer_page = render_html(
        node, plotly_src=f"../{PLOTLY_FILE}", overview="../index.html", css_href=f"../{PAGE_CSS}"
    )
    write_private(officer / page.name, officer_page, 0o600)
    title = _title(node.metadata, notebook)
    seconds = time.monotonic() - started
    return NotebookResult(notebook.stem, title, executed, page, officer / page.name, seconds)
