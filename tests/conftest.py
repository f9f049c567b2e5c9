"""The test session's set-up and its shared fixtures; the helpers are in ``helpers``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# No configuration of the developer's (./analytics.toml, $ANALYTICS_*) reaches a test: a
# test that wants one says so (--config, or the environment it sets).
for _name in [k for k in os.environ if k.startswith("ANALYTICS_")]:
    del os.environ[_name]
os.environ["ANALYTICS_CONFIG"] = ""

# jsonschema (through nbformat and the policy's schema check) builds grammars for the IRI
# formats at import when rfc3987-syntax is installed (a JupyterLab dependency): 1.2 s in
# every test process. No schema of the suite or of a notebook uses those formats.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from helpers import write_export  # noqa: E402  (after the environment is cleaned)


def pytest_collection_modifyitems(items):
    """Notebooks (nbval) start kernels: they are slow tests, left out of ``make test-fast``."""
    for item in items:
        if str(item.path).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def tiny_month(tmp_path_factory):
    """One run of every report notebook over the tiny export, for 2026-10, shared by the
    run, fault and browser tests (a test that rewrites it leaves an equivalent month).

    It runs under umask 000, as a careless service might: every file's mode must be the
    suite's own choice (leadership's 0644, the officer's 0600), never the umask's."""
    from analytics.registry import open_report
    from analytics.run.runner import run_month
    from reports import tiny_month_export

    tmp = tmp_path_factory.mktemp("tiny-month")
    ctx = open_report(tiny_month_export(tmp / "export"), "2026-10")
    previous = os.umask(0)
    try:
        result = run_month(ctx, tmp / "reports", jobs=2)
    finally:
        os.umask(previous)
    yield result, ctx
    ctx.export.close()


@pytest.fixture
def make_export(tmp_path):
    """Build an export from tables in a given form."""

    def make(tables: dict[str, list[dict]], form: str = "files_parquet", **kw) -> Path:
        return write_export(tables, form, tmp_path / form, **kw)

    return make
