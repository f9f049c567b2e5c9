"""Benchmark: a month's metrics at three sizes against pandas and a bare scan, and what
keeping the validation saves (issue 21).

    .venv/bin/python benchmarks/bench.py [--sizes 3000,200000,2000000] [--period 2026-10]
        [--memory-limit 3GB] [--data benchmarks/data] [--skip-run] [--skip-pandas]
        [--skip-backfill] [--out benchmarks/RESULTS.md]

For each size, in this one process: a bare DuckDB scan of every table (the floor:
reading the data once), every metric of one month computed by the suite (validation
included), the same metrics by a straightforward pandas implementation (where it fits in
memory). Then, with the validation kept in a fresh folder (``open_export(keep_in=...)``):
the first opening and month (validating every row, keeping it), a re-run on the validated
export (the kept validation and figures), a second month of it (its figures computed,
each domain timed), and with ``--backfill-metrics`` the year's metrics and overview
histories (each month once, no pages). In child
processes: the full ``analytics run`` of the month afresh, the same run again (a re-run),
and ``analytics run --from --to`` of the year afresh, each with the peak memory of all its
processes together (sampled every half second). Times are wall-clock seconds; the
in-process peaks are the kernel's high-water mark, reset before each phase. Exports
other than the shipped sample are generated once into ``--data`` (git-ignored; sizes
from 5,000,000 patients up are generated out of core, under ``--memory-limit``).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from analytics.contract import TABLES
from analytics.loading.context import ReportContext
from analytics.loading.loader import open_export
from analytics.paths import project_root, sample_path
from analytics.period import Period
from analytics.registry import DOMAINS, load_policy
from analytics.run.metrics_json import compute_all, history, month_figures, months_shown, prefetch
from analytics.run.runner import _descendants
from analytics.sample import generate_sample

sys.path.insert(0, str(Path(__file__).parent))
import pandas_baseline  # noqa: E402

PANDAS_MAX_ROWS = 10_000_000  # above this the pandas baseline would not fit in a few GB


def reset_peak() -> None:
    """Reset this process's peak RSS (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def timed(fn):
    reset_peak()
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start, peak_gb()


OUT_OF_CORE_FROM = 5_000_000  # patients: generated with their tables on disk


def export_for(size: int, data: Path, profile: str, memory_limit: str) -> tuple[Path, float | None]:
    if size == 3000:
        return sample_path(), None
    path = data / f"p{size}-{profile}"
    if (path / "load.sql").is_file():
        return path, None
    start = time.perf_counter()
    limit = memory_limit if size >= OUT_OF_CORE_FROM else None
    generate_sample(path, patients=size, profile=profile, memory_limit=limit)
    return path, time.perf_counter() - start


def table_files(path: Path) -> dict[str, Path]:
    return {
        t.name: path / f"{t.name}.parquet" for t in TABLES if (path / f"{t.name}.parquet").is_file()
    }


def bare_scan(path: Path, memory_limit: str | None) -> int:
    """Read every column of every table once."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    rows = 0
    for file in table_files(path).values():
        rel = con.read_parquet(str(file))
        # hash every value: min/max would be answered from Parquet statistics unread
        aggregates = ", ".join(f'sum(hash("{c}"))' for c in rel.columns)
        rows += con.execute(f"SELECT count(*), {aggregates} FROM rel").fetchall()[0][0]  # noqa: S608
    con.close()
    return rows


def suite_metrics(path: Path, period: Period, memory_limit: str | None) -> float:
    """Validate the export and compute every metric; return the validation's seconds."""
    start = time.perf_counter()
    export = open_export(path, memory_limit=memory_limit)
    validated = time.perf_counter() - start
    ctx = ReportContext(export, load_policy(), period, "leadership", datetime.now(UTC))
    compute_all(ctx)
    export.close()
    return validated


def context(export, period: Period) -> ReportContext:
    return ReportContext(export, load_policy(), period, "leadership", datetime.now(UTC))


def kept_phases(
    path: Path, period: Period, memory_limit: str | None, *, backfill: bool = True
) -> dict[str, tuple]:
    """The validation kept in a fresh folder: (seconds, peak GB) of the first opening and
    month, a re-run, a second month, and the year's back-fill of metrics and histories."""
    keep = Path(tempfile.mkdtemp(prefix="bench-kept-"))
    found: dict[str, tuple] = {}

    def first() -> float:
        start = time.perf_counter()
        export = open_export(path, memory_limit=memory_limit, keep_in=keep)
        validated = time.perf_counter() - start
        month_figures(context(export, period))
        export.keep_figures()
        export.close()
        return validated

    def rerun() -> None:
        export = open_export(path, memory_limit=memory_limit, keep_in=keep)
        month_figures(context(export, period))
        export.close()

    def second_month() -> dict[str, float]:
        """Every domain's metrics of the month before, each timed (v2 domains included)."""
        export = open_export(path, memory_limit=memory_limit, keep_in=keep)
        ctx = context(export, period.shift(-1))
        by_domain = {}
        for domain in DOMAINS:
            start = time.perf_counter()
            domain.metrics(ctx)
            by_domain[domain.name] = time.perf_counter() - start
        export.close()
        return by_domain

    def year() -> None:
        """As ``run --from --to`` computes them: the 23 months a year's overviews show, each
        domain's in one pass, then each month's figures and history (found computed)."""
        export = open_export(path, memory_limit=memory_limit, keep_in=keep)
        export.figures.clear()  # the year afresh, but for the validation
        ctx = context(export, period)
        prefetch(ctx, months_shown(ctx, period.trailing(12)))
        for month in period.trailing(12):
            month_ctx = replace(ctx, period=month)
            history(month_ctx, month_figures(month_ctx))
        export.close()

    validated, *found["first"] = timed(first)
    found["first"] = (*found["first"], validated)
    found["rerun"] = timed(rerun)[1:]
    by_domain, *found["second"] = timed(second_month)
    found["by_domain"] = tuple(sorted(by_domain.items(), key=lambda kv: -kv[1]))
    if backfill:
        found["backfill"] = timed(year)[1:]
    return found


def pandas_metrics(path: Path, period: Period) -> int:
    tables = {name: pd.read_parquet(file) for name, file in table_files(path).items()}
    rows = pandas_baseline.all_metrics(tables, load_policy(), period.first_day, period.as_of)
    return len(rows)


def tree_memory_gb(pid: int) -> float:
    """The memory of ``pid`` and every process below it, together: the sum of their
    proportional set sizes (shared pages, such as chromium's, counted once overall)."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Pss:")), 0)
    return total / 1024 / 1024


def full_run(
    path: Path,
    periods: list[str],
    memory_limit: str | None,
    out: Path | None = None,
    log: Path | None = None,
) -> tuple[float, float]:
    """``analytics run`` in a child process: seconds, and the peak memory of all its
    processes together (kernels and chromium included), sampled every half second; with
    ``log``, the run's phases (its log at level info) are written there."""
    out = out or Path(tempfile.mkdtemp(prefix="bench-run-"))
    which = (
        ["--period", periods[0]]
        if len(periods) == 1
        else ["--from", periods[0], "--to", periods[-1]]
    )
    cmd = [sys.executable, "-m", "analytics.cli", "run", "--source", str(path), *which]
    cmd += ["--out", str(out)]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    if log:
        cmd[3:3] = ["--log-level", "info"]
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while child.poll() is None:
            peak[0] = max(peak[0], tree_memory_gb(child.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = child.communicate()
    took = time.perf_counter() - start
    sampler.join()
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(err)
    if child.returncode != 0:
        raise SystemExit(f"analytics run failed on {path}: {err}")
    return took, peak[0]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB memory, Linux "
        f"{platform.release()}, Python {platform.python_version()}, DuckDB "
        f"{duckdb.__version__}, pandas {pd.__version__}"
    )


def cell(seconds: float, gb: float | None = None) -> str:
    return f"{seconds:.1f} s" + ("" if gb is None else f", {gb:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,200000,2000000")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--data", default=str(project_root() / "benchmarks" / "data"))
    parser.add_argument("--skip-run", action="store_true", help="no full analytics run")
    parser.add_argument("--skip-pandas", action="store_true", help="no pandas baseline")
    parser.add_argument(
        "--skip-backfill", action="store_true", help="no `analytics run --from --to` of the year"
    )
    parser.add_argument(
        "--backfill-metrics",
        action="store_true",
        help="also the year's metrics and histories in this process (no pages)",
    )
    parser.add_argument(
        "--one-run",
        action="store_true",
        help="the largest sizes: no separate metrics-only phase (the first run of the kept "
        "validation measures it), one full run, no re-run",
    )
    parser.add_argument(
        "--profile",
        default="health-system",
        help="volume profile of the generated exports (the 3,000-patient sample is a clinic)",
    )
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    period = Period.parse(args.period)
    year = [str(m) for m in period.trailing(12)]
    lines, kept_lines, by_domain_lines = [], [], []
    for size in [int(s) for s in args.sizes.split(",")]:
        path, generated = export_for(size, Path(args.data), args.profile, args.memory_limit)
        rows, scan_s, scan_gb = timed(lambda p=path: bare_scan(p, args.memory_limit))
        if args.one_run:
            valid_s, duck_s, duck_gb = None, None, None
        else:
            valid_s, duck_s, duck_gb = timed(
                lambda p=path: suite_metrics(p, period, args.memory_limit)
            )
        if rows <= PANDAS_MAX_ROWS and not args.skip_pandas and duck_s:
            _, pd_s, pd_gb = timed(lambda p=path: pandas_metrics(p, period))
            pandas_cell = cell(pd_s, pd_gb)
            ratio = f"{pd_s / duck_s:.1f}x"
        else:
            pandas_cell, ratio = "not run", "-"
        kept = kept_phases(path, period, args.memory_limit, backfill=args.backfill_metrics)
        if duck_s is None or valid_s is None:  # measured by the kept validation's first run
            duck_s, duck_gb, valid_s = kept["first"]
        line = (
            f"| {size:,} | {rows:,} | {cell(scan_s, scan_gb)} | {cell(duck_s, duck_gb)} | "
            f"{valid_s:.1f} s | {pandas_cell} | {ratio} | {duck_s / scan_s:.1f}x | "
            f"{(duck_s - valid_s) / scan_s:.1f}x |"
            + (f" generated in {generated:.0f} s" if generated else "")
        )
        print(line, flush=True)
        lines.append(line)
        first_s, first_gb, first_valid = kept["first"]
        rerun_s, rerun_gb = kept["rerun"]
        second_s, second_gb = kept["second"]
        backfill = cell(*kept["backfill"]) if "backfill" in kept else "not run"
        run_cells = ["not run"] * 4
        if not args.skip_run:
            out = Path(tempfile.mkdtemp(prefix="bench-run-"))
            logs = Path(args.out).with_suffix("")
            run_s, run_gb = full_run(
                path,
                [str(period)],
                args.memory_limit,
                out,
                Path(f"{logs}.last-run-{size}-month.log"),
            )
            run_cells = [cell(run_s, run_gb), f"{run_s / first_s:.1f}x", "not run", "not run"]
            if not args.one_run:
                run_cells[2] = cell(*full_run(path, [str(period)], args.memory_limit, out))
            if not args.skip_backfill:
                run_cells[3] = cell(
                    *full_run(
                        path, year, args.memory_limit, log=Path(f"{logs}.last-run-{size}-year.log")
                    )
                )
        kept_line = (
            f"| {size:,} | {cell(first_s, first_gb)} ({first_valid:.1f} s validating) | "
            f"{first_s / scan_s:.1f}x | {cell(rerun_s, rerun_gb)} | {rerun_s / scan_s:.1f}x | "
            f"{cell(second_s, second_gb)} | {backfill} | " + " | ".join(run_cells) + " |"
        )
        print(kept_line, flush=True)
        kept_lines.append(kept_line)
        domains = ", ".join(f"{name} {sec:.1f} s" for name, sec in kept["by_domain"])
        by_domain_lines.append(f"- {size:,} patients, {period.shift(-1)}: {domains}")
        print(by_domain_lines[-1], flush=True)
    header = (
        "| patients | rows | bare scan | suite: all metrics of one month | of which validation "
        "| pandas baseline | pandas / suite | suite / scan | metrics after validation / scan |\n"
        "|---:|---:|---|---|---:|---|---:|---:|---:|"
    )
    kept_header = (
        "| patients | first run of a month: validate, keep, all metrics | / scan "
        "| re-run on the validated export | / scan | a second month of it "
        "| year's back-fill: metrics and histories | full `analytics run` of the month "
        "| full run / first run's metrics | full re-run | full `run --from --to` of the year |\n"
        "|---:|---|---:|---|---:|---|---|---|---:|---|---|"
    )
    text = (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; memory limit "
        f"{args.memory_limit}; period {period}; generated exports: {args.profile} profile."
        f"\n\n{header}\n"
        + "\n".join(lines)
        + f"\n\n{kept_header}\n"
        + "\n".join(kept_lines)
        + "\n\nA month's metrics by domain (the second month, validation kept):\n\n"
        + "\n".join(by_domain_lines)
        + "\n"
    )
    print(text)
    Path(args.out).with_suffix(".last-run.md").write_text(text)


if __name__ == "__main__":
    main()
