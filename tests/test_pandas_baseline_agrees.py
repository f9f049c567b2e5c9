"""An independent pandas computation (the benchmark's baseline) gives DuckDB's figures.

Both run over the validated sample for several months; every figure the baseline
computes must equal the suite's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analytics.period import Period
from analytics.registry import open_report
from analytics.run.metrics_json import compute_all

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import pandas_baseline  # noqa: E402

pytestmark = pytest.mark.slow  # the benchmark's pandas baseline over the whole shipped sample


@pytest.mark.parametrize("period", ["2026-10", "2026-03", "2025-11"])
def test_baseline_equals_duckdb_on_the_sample(period):
    ctx = open_report(None, period)
    tables = {
        t: ctx.export.con.execute(f"SELECT * FROM {t}").df()  # noqa: S608 - fixed names
        for t in (
            "requests",
            "consent_events",
            "messages",
            "records",
            "disclosures",
            "vendors",
            "authorizations",
            "patients",
        )
    }
    p = Period.parse(period)
    theirs = pandas_baseline.all_metrics(tables, ctx.policy, p.first_day, p.as_of)
    ours = {(m["metric"], m["segment"]): m["value"] for m in compute_all(ctx)}
    ctx.export.close()
    assert len(theirs) > 100
    assert any(m["metric"].startswith("authorizations.") for m in theirs)
    for m in theirs:
        key = (m["metric"], m["segment"])
        assert key in ours, key
        if m["value"] is None or ours[key] is None:
            assert m["value"] == ours[key], key
        else:
            assert m["value"] == pytest.approx(ours[key], rel=1e-9, abs=1e-9), key
