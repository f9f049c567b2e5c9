"""Benchmark: what the overview's twelve-month history costs, against one month's figures.

    .venv/bin/python benchmarks/overview_history.py [--source PATH ...] [--period 2026-10]
        [--backfill]

The overview shows each headline figure's last month, change and sparkline, which takes
every domain's metrics for the 11 months before the period (``metrics_json.history``).
For each export, in this one process: validation, one month's metrics (the baseline),
then the history, each domain's eleven months in one pass; then the same eleven months
computed one at a time (the baseline the one pass is measured against: derived tables
shared across months, as before).

``--backfill`` measures the metrics of a year's back-fill (the twelve months ending with
the period, each with its overview history) twice in the same process: computing every
month's history afresh, as each month's run did before issue 21, then with the figures of
a month computed once per export and policy (``metrics_json.month_figures``), as
``analytics run --from --to`` now does.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from analytics.period import Period
from analytics.registry import open_report
from analytics.run.metrics_json import compute_all, history, month_figures


def measure(source: str, period: str) -> str:
    """One line: the export's validation, one month, the history (each domain's eleven
    months in one pass), the same eleven months one at a time, and their ratios."""
    started = time.perf_counter()
    ctx = open_report(source, period)
    validated = time.perf_counter() - started
    earlier = [replace(ctx, period=p) for p in Period.parse(period).trailing(12)[:-1]]
    try:
        started = time.perf_counter()
        rows = compute_all(ctx)
        one = time.perf_counter() - started
        started = time.perf_counter()
        history(ctx, rows)
        past = time.perf_counter() - started
        started = time.perf_counter()
        for month in earlier:  # as before issue 21: a month at a time
            ctx.export.figures.clear()
            compute_all(month)
        singly = time.perf_counter() - started
    finally:
        ctx.export.close()
    return (
        f"{source}: validation {validated:.2f} s, one month {one:.2f} s, "
        f"history of 11 more months {past:.2f} s ({past / one:.1f} x one month), "
        f"those months one at a time {singly:.2f} s ({singly / past:.1f} x the history)"
    )


def measure_backfill(source: str, period: str) -> str:
    """One line: a year's back-fill of metrics and histories, afresh and with reuse."""
    ctx = open_report(source, period)
    months = [replace(ctx, period=p) for p in Period.parse(period).trailing(12)]
    try:
        timings = []
        for reuse in (False, True):
            ctx.export.figures.clear()
            started = time.perf_counter()
            for month in months:
                if not reuse:
                    ctx.export.figures.clear()
                history(month, month_figures(month))
            timings.append(time.perf_counter() - started)
    finally:
        ctx.export.close()
    afresh, reused = timings
    return (
        f"{source}: twelve months to {period}, metrics and history: afresh {afresh:.1f} s, "
        f"each month once {reused:.1f} s ({afresh / reused:.1f} x faster)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", help="an export (repeatable)")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--backfill", action="store_true", help="measure a year's back-fill")
    args = parser.parse_args()
    for source in args.source or ["data/sample", "benchmarks/data/p200000-health-system"]:
        print((measure_backfill if args.backfill else measure)(source, args.period))


if __name__ == "__main__":
    main()
