"""Where things are: the report notebooks, the shipped sample, and the reports.

Two ways to run the suite, found from the package itself and never from guesses:
- from its repository (an editable install: the package is ``<checkout>/src/analytics``):
  the checkout's ``notebooks/`` and ``data/sample/``, reports into ``<checkout>/reports``;
- installed from the wheel: the copies bundled in the package (``analytics/bundled``),
  reports into ``reports/`` of the working folder (never into the installed package).

``ANALYTICS_NOTEBOOKS`` (or the configuration file) points at another set of notebooks.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def checkout() -> Path | None:
    """The repository this package is imported from, or None when it is installed."""
    root = _PACKAGE_DIR.parent.parent
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def project_root() -> Path:
    """The repository when running from one, else the working folder."""
    return checkout() or Path.cwd()


def _bundled(name: str) -> Path:
    return Path(str(resources.files("analytics") / "bundled" / name))


def sample_path() -> Path:
    """The sample export: the repository's ``data/sample``, or the copy in the package."""
    root = checkout()
    return root / "data" / "sample" if root else _bundled("sample")


def notebooks_dir() -> Path:
    """The report notebooks (``ANALYTICS_NOTEBOOKS`` overrides, e.g. a clinic's own set)."""
    env = os.environ.get("ANALYTICS_NOTEBOOKS")
    if env:
        return Path(env).expanduser().resolve()
    root = checkout()
    return root / "notebooks" if root else _bundled("notebooks")


def reports_dir() -> Path:
    """Where reports go by default: ``reports/`` of the repository or the working folder."""
    return project_root() / "reports"
