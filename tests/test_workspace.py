"""The officer's workspace, and notebooks that never reach git with patient data in them."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analytics.paths import checkout
from helpers import full_export, run_cli, write_export

ROOT = checkout()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def parameters(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


@pytest.fixture
def export(tmp_path):
    return write_export(full_export(), "files_csv", tmp_path / "clinic-export")


def test_a_workspace_is_owner_only_with_the_clinics_parameters(export, tmp_path):
    folder = tmp_path / "officer" / "workspace"
    policy = ROOT / "src" / "analytics" / "policy.toml"
    done = run_cli(
        "workspace", str(folder), "--source", str(export), "--policy", str(policy),
        "--csv-encoding", "latin-1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shipped = len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert f"workspace {folder}: {shipped} notebooks written" in done.stdout
    assert mode(folder) == 0o700
    expected = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} | {"analytics.toml"}
    assert {p.name for p in folder.iterdir()} == expected | {".validation", "letters", ".jupyter"}
    assert {mode(p) for p in folder.iterdir() if p.is_file()} == {0o600}
    assert mode(folder / ".validation") == 0o700 and mode(folder / "letters") == 0o700
    assert mode(folder / ".jupyter") == 0o700
    # the accounting notebook writes its letter into the workspace, beside it
    assert "write_to = 'letters'  # the clinic's" in parameters(
        folder / "disclosures_accounting.ipynb"
    )
    assert "write_to" not in parameters(folder / "requests.ipynb")
    for notebook in folder.glob("*.ipynb"):
        text = parameters(notebook)
        assert f"source = {str(export)!r}  # the clinic's" in text
        assert f"policy = {str(policy)!r}  # the clinic's" in text
    assert 'csv_encoding = "latin-1"' in (folder / "analytics.toml").read_text()


def test_the_workspaces_jupyterlab_is_configured_for_the_officer(export, tmp_path):
    """Read as JupyterLab reads its configuration folder (make lab points it there): this
    host only, kernels over Unix sockets, a kernel with no tab shut down after an hour
    idle, no news, update check or extension installs, announcements switched off."""
    from jupyter_client import KernelManager
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from traitlets.config.loader import JSONFileConfigLoader

    folder = tmp_path / "ws"
    assert run_cli("workspace", str(folder), "--source", str(export)).returncode == 0
    config_dir = folder / ".jupyter"
    config = JSONFileConfigLoader("jupyter_server_config.json", str(config_dir)).load_config()
    assert config.ServerApp.ip == "127.0.0.1" and config.ServerApp.root_dir == str(folder)
    assert KernelManager(config=config).transport == "ipc"
    kernels = AsyncMappingKernelManager(config=config)
    assert (kernels.cull_idle_timeout, kernels.cull_connected) == (3600, False)
    assert config.LabApp.news_url == "" and config.LabApp.extension_manager == "readonly"
    assert config.LabApp.check_for_updates_class == "jupyterlab.NeverCheckForUpdate"
    page = json.loads((config_dir / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True
    assert mode(config_dir / "jupyter_server_config.json") == 0o600
    makefile = (ROOT / "Makefile").read_text()
    assert 'JUPYTER_CONFIG_DIR="$(WORKSPACE)/.jupyter"' in makefile


def test_the_officers_notebooks_are_kept_unless_replaced(export, tmp_path):
    folder = tmp_path / "ws"
    assert run_cli("workspace", str(folder), "--source", str(export)).returncode == 0
    mine = folder / "consent.ipynb"
    mine.write_text(mine.read_text().replace("Consent and opt-out", "My consent notes"))
    again = run_cli("workspace", str(folder), "--source", str(export))
    shipped = len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert f"0 notebooks written; kept the {shipped} already there" in again.stdout
    assert "My consent notes" in mine.read_text()
    run_cli("workspace", str(folder), "--source", str(export), "--replace")
    assert "My consent notes" not in mine.read_text()


def test_a_folder_the_command_did_not_make_is_refused_unless_empty(export, tmp_path):
    """Someone's folder of files is not silently made owner-only and filled."""
    theirs = tmp_path / "shared-folder"
    theirs.mkdir(mode=0o755)
    (theirs / "budget.xlsx").write_text("x")
    os.chmod(theirs, 0o755)
    done = run_cli("workspace", str(theirs), "--source", str(export))
    assert done.returncode == 2 and "is not a workspace made by" in done.stderr
    assert mode(theirs) == 0o755 and sorted(p.name for p in theirs.iterdir()) == ["budget.xlsx"]
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o755)
    assert run_cli("workspace", str(empty), "--source", str(export)).returncode == 0
    assert mode(empty) == 0o700


def test_a_kept_notebook_readable_by_others_is_made_owner_only(export, tmp_path):
    folder = tmp_path / "ws"
    assert run_cli("workspace", str(folder), "--source", str(export)).returncode == 0
    os.chmod(folder / "consent.ipynb", 0o644)
    assert run_cli("workspace", str(folder), "--source", str(export)).returncode == 0
    assert mode(folder / "consent.ipynb") == 0o600


def test_a_workspace_inside_a_git_checkout_is_refused(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    done = run_cli("workspace", str(tmp_path / "repo" / "lab"))
    assert done.returncode == 2 and "is inside the git checkout" in done.stderr
    assert not (tmp_path / "repo" / "lab").exists()


def test_a_missing_export_is_refused_before_anything_is_written(tmp_path):
    done = run_cli("workspace", str(tmp_path / "ws"), "--source", str(tmp_path / "nowhere"))
    assert done.returncode == 3 and "does not exist" in done.stderr
    assert not (tmp_path / "ws").exists()


@pytest.mark.slow
def test_a_workspace_notebook_runs_as_is_and_saves_no_plotly_js(export, tmp_path, monkeypatch):
    """Run All in the workspace, as JupyterLab would (the kernel in the workspace folder,
    reading its analytics.toml): the notebook reads the Latin-1 export it was made for,
    and saved with its outputs it holds the figures as data, not plotly.js."""
    import papermill

    from analytics.run.kernels import ensure_kernel

    messages = export / "messages.csv"
    messages.write_bytes(messages.read_bytes().replace(b",,C1,", b",Ren\xe9e,C1,"))
    folder = tmp_path / "ws"
    monkeypatch.setenv("ANALYTICS_OUT", str(tmp_path / "reports"))
    done = run_cli("workspace", str(folder), "--source", str(export), "--csv-encoding", "cp1252")
    monkeypatch.delenv("ANALYTICS_OUT")
    assert done.returncode == 0, done.stderr
    kept = folder / ".validation"  # inside the workspace, never the checkout's reports/
    assert f"validation_dir = {json.dumps(str(kept))}" in (folder / "analytics.toml").read_text()
    assert kept.stat().st_mode & 0o077 == 0
    monkeypatch.delenv("ANALYTICS_CONFIG")  # the kernel reads the workspace's analytics.toml
    for name in ("quality.ipynb", "consent.ipynb"):
        saved = folder / name
        papermill.execute_notebook(
            str(saved), str(saved), kernel_name=ensure_kernel(), cwd=str(folder),
            progress_bar=False,
        )  # fmt: skip
    quality = nbformat.read(folder / "quality.ipynb", as_version=4)
    shown = "".join(
        o.get("data", {}).get("text/html", "") for c in quality.cells for o in c.get("outputs", [])
    )
    assert "every table balanced: yes" in shown
    assert "could not be read as rows" not in shown  # read with the workspace's encoding
    text = (folder / "consent.ipynb").read_text()
    assert '"application/vnd.plotly.v1+json"' in text  # the figures, as data
    assert "plotly.js v" not in text and len(text) < 500_000
    # the first notebook validated the export and kept it; the second reused it
    assert [p.name for p in kept.glob("*/validation.duckdb")] == ["validation.duckdb"]
    monkeypatch.setenv("ANALYTICS_VALIDATION_DIR", str(kept))
    again = run_cli("validate", str(export), "--csv-encoding", "cp1252")
    assert "validated: 0 tables in full, 0 only their added rows" in again.stdout


@pytest.mark.slow
def test_the_workspace_accounting_notebook_writes_the_letter_and_links_it(export, tmp_path):
    """Run in the workspace as JupyterLab would: the patient's letter is written, HTML and
    PDF, owner-only into letters/, and the notebook links both, relative to itself."""
    import papermill

    from analytics.run.kernels import ensure_kernel

    folder = tmp_path / "ws"
    assert run_cli("workspace", str(folder), "--source", str(export)).returncode == 0
    saved = folder / "disclosures_accounting.ipynb"
    papermill.execute_notebook(
        str(saved), str(saved), kernel_name=ensure_kernel(), cwd=str(folder),
        parameters={"patient_id": "P1"}, progress_bar=False,
    )  # fmt: skip
    letter = folder / "letters" / "accounting-P1-2026-10-31.html"
    assert letter.is_file() and mode(letter) == 0o600
    assert "Accounting of disclosures" in letter.read_text()
    pdf = letter.with_suffix(".pdf")
    if shutil.which("chromium"):
        assert pdf.is_file() and mode(pdf) == 0o600
    shown = "".join(
        o.get("data", {}).get("text/html", "")
        for c in nbformat.read(saved, as_version=4).cells
        for o in c.get("outputs", [])
    )
    assert '<a href="letters/accounting-P1-2026-10-31.html" target="_blank">' in shown


@pytest.mark.slow  # a child process: git
def test_git_add_stores_a_repository_notebook_stripped(tmp_path):
    """The clean filter ``make install`` configures: outputs never reach a commit."""
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    subprocess.run(
        [sys.executable, "-m", "analytics.devtools", "install-git-filter"], cwd=repo, check=True
    )
    nb = nbformat.read(ROOT / "notebooks" / "consent.ipynb", as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="P000065 replied STOP\n")]
    code.execution_count = 3
    nbformat.write(nb, repo / "notebooks" / "consent.ipynb")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "a notebook after Run All"], check=True)
    committed = subprocess.run(
        [*git, "show", "HEAD:notebooks/consent.ipynb"], capture_output=True, text=True, check=True
    ).stdout
    assert "P000065" not in committed and '"execution_count": null' in committed
    assert "P000065" in (repo / "notebooks" / "consent.ipynb").read_text()  # the file is kept
    assert committed == (ROOT / "notebooks" / "consent.ipynb").read_text()
