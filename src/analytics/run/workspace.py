"""The compliance officer's workspace: the report notebooks, outside the repository.

JupyterLab saves a notebook with its outputs (patient ids, SMS replies) every two minutes,
and keeps another copy in ``.ipynb_checkpoints/``. Opened from the repository's
``notebooks/``, one "Run All" puts patient data one ``git add`` away. A workspace is an
owner-only folder outside any git checkout, holding copies of the notebooks with the
clinic's export and policy written into their parameters cells, and an ``analytics.toml``
with how to read that export (its kernels run there and read it).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from analytics.errors import UsageError
from analytics.files import write_private
from analytics.paths import notebooks_dir
from analytics.settings import SETTINGS, Settings

# what a workspace's kernels need to read the export as the command reads it: the settings
# kernels inherit, but for paths (its notebooks are the workspace's own)
READ_SETTINGS = tuple(n for n, s in SETTINGS.items() if s.inherited and not s.is_path)


@dataclass
class Workspace:
    """What ``make_workspace`` did."""

    folder: Path
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def git_checkout_holding(folder: Path) -> Path | None:
    """The git checkout ``folder`` lies in, if any."""
    for parent in [folder, *folder.parents]:
        if (parent / ".git").exists():
            return parent
    return None


def _parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's cell tagged ``parameters``."""
    return next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def fill_parameters(nb: nbformat.NotebookNode, values: dict[str, str]) -> None:
    """Write ``values`` into the notebook's parameters cell, each in place of the line
    that assigns it."""
    cell = _parameters_cell(nb)
    for name, value in values.items():
        pattern = re.compile(rf"^{name}\s*=.*$", re.MULTILINE)
        line = f"{name} = {value!r}  # the clinic's, set by `analytics workspace`"
        cell.source, n = pattern.subn(line.replace("\\", "\\\\"), cell.source)  # literal
        if not n:
            cell.source = cell.source.rstrip("\n") + f"\n{line}"


MARK = "# how this workspace's notebooks read the export (written by analytics workspace)"
KEPT = ".validation"  # the workspace's kept validation (quarantined rows name patients)
LETTERS = "letters"  # the documents its notebooks make on request (owner-only)
JUPYTER = ".jupyter"  # its JupyterLab's configuration (make lab: JUPYTER_CONFIG_DIR)
# a kernel (about 275 MB) with no tab open on it for this long is shut down
IDLE_KERNEL_SECONDS = 3600


def jupyter_config(folder: Path) -> dict[str, dict]:
    """The workspace's JupyterLab: on this machine only, kernels over Unix sockets in the
    user's private runtime folder (no TCP port), a kernel no tab uses shut down after an
    hour idle, no news feed or update check from jupyter.org, extensions not installable
    from the page."""
    return {
        "ServerApp": {"ip": "127.0.0.1", "root_dir": str(folder)},
        "KernelManager": {"transport": "ipc"},
        "MappingKernelManager": {
            "cull_idle_timeout": IDLE_KERNEL_SECONDS,
            "cull_interval": 300,
            "cull_connected": False,  # a kernel with a tab open is the officer's: kept
            "cull_busy": False,
        },
        "LabApp": {
            "news_url": "",
            "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            "extension_manager": "readonly",
        },
    }


# JupyterLab's announcements (news from jupyter.org) switched off in the page itself
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def write_jupyter_config(folder: Path) -> Path:
    """Write the workspace's JupyterLab configuration into ``folder/.jupyter`` (owner-only);
    ``make lab`` starts JupyterLab with it as its configuration folder."""
    config = folder / JUPYTER
    (config / "labconfig").mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(config, 0o700)
    write_private(
        config / "jupyter_server_config.json", json.dumps(jupyter_config(folder), indent=2) + "\n"
    )
    write_private(
        config / "labconfig" / "page_config.json", json.dumps(PAGE_CONFIG, indent=2) + "\n"
    )
    return config


def _has_parameter(nb: nbformat.NotebookNode, name: str) -> bool:
    """Whether the notebook's parameters cell assigns ``name``."""
    cell = _parameters_cell(nb)
    return re.search(rf"^{name}\s*=", cell.source, re.MULTILINE) is not None


def _toml(settings: Settings, folder: Path) -> str:
    """The read settings in force, as TOML (JSON strings are TOML basic strings); the
    validation is kept inside the workspace, owner-only like everything in it."""
    lines = [MARK]
    for name in READ_SETTINGS:
        value = settings.values.get(name)
        if value and not isinstance(value, dict):
            lines.append(f"{name} = {json.dumps(str(value))}")
    lines.append(f"validation_dir = {json.dumps(str(folder / KEPT))}")
    for table, own in sorted((settings.values.get("tables") or {}).items()):
        lines.append(f"[tables.{table}]")  # a table's own, after every plain setting
        lines += [f"{key} = {json.dumps(str(value))}" for key, value in own.items()]
    return "\n".join(lines) + "\n"


def _check_folder(folder: Path) -> None:
    """Refuse a folder this command did not make: another account's, or one that holds
    anything but an earlier workspace (its files would be made owner-only behind the
    back of whoever keeps them there)."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder for the workspace")
    if folder.stat().st_uid != os.getuid():
        raise UsageError(f"{folder} belongs to another account: choose a folder of your own")
    made_here = (folder / "analytics.toml").is_file() and (folder / "analytics.toml").read_text(
        encoding="utf-8", errors="replace"
    ).startswith(MARK)
    if not made_here and any(folder.iterdir()):
        raise UsageError(
            f"{folder} holds files and is not a workspace made by `analytics workspace`: "
            "choose a new or empty folder"
        )


def make_workspace(folder: Path, settings: Settings, *, replace: bool = False) -> Workspace:
    """Create or refresh the workspace in ``folder``: owner-only, outside any git checkout.

    A notebook already there is the officer's and is kept, unless ``replace``.
    """
    folder = folder.expanduser().resolve()
    checkout = git_checkout_holding(folder)
    if checkout is not None:
        raise UsageError(
            f"{folder} is inside the git checkout {checkout}: notebooks saved with patient "
            "data would be one `git add` away; choose a folder outside it (make lab uses "
            "~/.local/share/medspa-compliance-analytics/workspace)"
        )
    _check_folder(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    values = {}
    if settings.source:
        values["source"] = str(Path(settings.source).expanduser().resolve())
    if settings.policy:
        values["policy"] = str(Path(settings.policy).expanduser().resolve())
    done = Workspace(folder)
    (folder / LETTERS).mkdir(mode=0o700, exist_ok=True)
    for source in sorted(notebooks_dir().glob("*.ipynb")):
        target = folder / source.name
        if target.exists() and not replace:
            os.chmod(target, 0o600)  # the officer's, with patients' data: owner-only
            done.kept.append(source.name)
            continue
        nb = nbformat.read(source, as_version=4)
        # a document made on request is written into the workspace, beside its notebook
        own = {"write_to": LETTERS} if _has_parameter(nb, "write_to") else {}
        fill_parameters(nb, {**values, **own})
        write_private(target, nbformat.writes(nb) + "\n")
        done.written.append(source.name)
    (folder / KEPT).mkdir(mode=0o700, exist_ok=True)
    write_private(folder / "analytics.toml", _toml(settings, folder))
    write_jupyter_config(folder)
    return done
