"""Where things are: the project folder, the shipped sample, notebooks and reports.

Found from the installed package (an editable install of this repository), never from
the working directory, so commands work wherever they are run. ``ANALYTICS_HOME`` points
elsewhere when the package is installed from a wheel.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The folder holding ``notebooks/`` and ``data/`` (the repository)."""
    env = os.environ.get("ANALYTICS_HOME")
    if env:
        return Path(env).expanduser().resolve()
    for parent in _PACKAGE_DIR.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
            return parent
    return Path.cwd()


def sample_path() -> Path:
    """The sample export shipped with the repository."""
    return project_root() / "data" / "sample"


def notebooks_dir() -> Path:
    """The report notebooks (``ANALYTICS_NOTEBOOKS`` overrides, e.g. a clinic's own set)."""
    env = os.environ.get("ANALYTICS_NOTEBOOKS")
    return Path(env).expanduser().resolve() if env else project_root() / "notebooks"


def reports_dir() -> Path:
    return project_root() / "reports"
