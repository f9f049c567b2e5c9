"""Benchmark: what the overview's twelve-month history costs, against one month's figures.

    .venv/bin/python benchmarks/overview_history.py [--source PATH ...] [--period 2026-10]

The overview shows each headline figure's last month, change and sparkline, which takes
every domain's metrics for the 11 months before the period (``metrics_json.history``).
For each export, in this one process: validation, one month's metrics (the baseline),
then the history; the ratio history / one month is the figure to watch (derived tables
are shared across months, so it stays well under 11).
"""

from __future__ import annotations

import argparse
import time

from analytics.registry import open_report
from analytics.run.metrics_json import compute_all, history


def measure(source: str, period: str) -> str:
    """One line: the export's validation, one month, the history, and their ratio."""
    started = time.perf_counter()
    ctx = open_report(source, period)
    validated = time.perf_counter() - started
    try:
        started = time.perf_counter()
        rows = compute_all(ctx)
        one = time.perf_counter() - started
        started = time.perf_counter()
        history(ctx, rows)
        past = time.perf_counter() - started
    finally:
        ctx.export.close()
    return (
        f"{source}: validation {validated:.2f} s, one month {one:.2f} s, "
        f"history of 11 more months {past:.2f} s ({past / one:.1f} x one month)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", help="an export (repeatable)")
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()
    for source in args.source or ["data/sample", "benchmarks/data/hs-200000"]:
        print(measure(source, args.period))


if __name__ == "__main__":
    main()
