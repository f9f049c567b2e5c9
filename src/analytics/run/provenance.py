"""What a run was made from: hashes of the source, policy and notebooks, and versions.

Each month's folder carries ``manifest.json`` so anyone can check that a past month's
figures came from a given export and policy, and reproduce them.
"""

from __future__ import annotations

import hashlib
import platform
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from analytics import __version__
from analytics.loading.context import ReportContext

PACKAGES = ("duckdb", "pandas", "plotly", "papermill", "nbconvert", "holidays", "pyarrow")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_sha256(path: Path) -> str:
    """SHA-256 of an export: of the file, or of every file's name and hash in a folder."""
    if path.is_file():
        return file_sha256(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode() + b"\0")
        h.update(file_sha256(f).encode() + b"\n")
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    found = {"analytics": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def manifest(
    ctx: ReportContext,
    parameters: dict,
    notebooks: list[Path],
    generated_at: datetime,
    source_hash: str,
) -> dict:
    """The month's manifest: inputs, their hashes, parameters, notebooks and versions."""
    return {
        "schema": "compliance-manifest/1",
        "period": str(ctx.period),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "source": {
            "path": str(ctx.export.source),
            "form": ctx.export.form,
            "sha256": source_hash,
        },
        "policy": {"path": ctx.policy.path, "sha256": ctx.policy.sha256},
        "parameters": parameters,
        "notebooks": [{"name": nb.name, "sha256": file_sha256(nb)} for nb in notebooks],
        "versions": package_versions(),
    }
