"""Benchmark: one month's metrics at three clinic sizes, against pandas and a bare scan.

    .venv/bin/python benchmarks/bench.py [--sizes 3000,200000,2000000] [--period 2026-10]
        [--memory-limit 3GB] [--data benchmarks/data] [--skip-run] [--out benchmarks/RESULTS.md]

For each size, in this one process: a bare DuckDB scan of every table (the floor:
reading the data once), every metric of one month computed by the suite (validation
included), the same metrics by a straightforward pandas implementation (where it fits in
memory), and, in a child process, the full ``analytics run`` (notebooks and HTML). Times
are wall-clock seconds; peak RSS is measured per phase (the kernel's high-water mark,
reset before each phase). Exports other than the shipped sample are generated once into
``--data`` (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from analytics.contract import TABLES
from analytics.loading.context import ReportContext
from analytics.loading.loader import open_export
from analytics.paths import project_root, sample_path
from analytics.period import Period
from analytics.registry import load_policy
from analytics.run.metrics_json import compute_all
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


def export_for(size: int, data: Path, profile: str) -> tuple[Path, float | None]:
    if size == 3000:
        return sample_path(), None
    path = data / f"p{size}-{profile}"
    if (path / "load.sql").is_file():
        return path, None
    start = time.perf_counter()
    generate_sample(path, patients=size, profile=profile)
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


def pandas_metrics(path: Path, period: Period) -> int:
    tables = {name: pd.read_parquet(file) for name, file in table_files(path).items()}
    rows = pandas_baseline.all_metrics(tables, load_policy(), period.first_day, period.as_of)
    return len(rows)


def full_run(path: Path, period: Period, memory_limit: str | None) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(prefix="bench-run-"))
    cmd = [
        sys.executable,
        "-m",
        "analytics.cli",
        "run",
        "--source",
        str(path),
        "--period",
        str(period),
        "--out",
        str(out),
    ]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"analytics run failed on {path}: {done.stderr}")
    return took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,200000,2000000")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--data", default=str(project_root() / "benchmarks" / "data"))
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument(
        "--profile",
        default="health-system",
        help="volume profile of the generated exports (the 3,000-patient sample is a clinic)",
    )
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    period = Period.parse(args.period)
    lines = []
    for size in [int(s) for s in args.sizes.split(",")]:
        path, generated = export_for(size, Path(args.data), args.profile)
        rows, scan_s, scan_gb = timed(lambda p=path: bare_scan(p, args.memory_limit))
        valid_s, duck_s, duck_gb = timed(lambda p=path: suite_metrics(p, period, args.memory_limit))
        if rows <= PANDAS_MAX_ROWS:
            _, pd_s, pd_gb = timed(lambda p=path: pandas_metrics(p, period))
            pandas_cell = f"{pd_s:.1f} s, {pd_gb:.2f} GB"
            ratio = f"{pd_s / duck_s:.1f}x"
        else:
            pandas_cell, ratio = f"not run (> {PANDAS_MAX_ROWS:,} rows)", "-"
        run_cell = "-"
        if not args.skip_run:
            run_s, _ = full_run(path, period, args.memory_limit)
            run_cell = f"{run_s:.0f} s"
        line = (
            f"| {size:,} | {rows:,} | {scan_s:.1f} s, {scan_gb:.2f} GB | "
            f"{duck_s:.1f} s, {duck_gb:.2f} GB | {valid_s:.1f} s | {pandas_cell} | {ratio} | "
            f"{duck_s / scan_s:.1f}x | {(duck_s - valid_s) / scan_s:.1f}x | {run_cell} |"
            + (f" generated in {generated:.0f} s" if generated else "")
        )
        print(line, flush=True)
        lines.append(line)
    header = (
        "| patients | rows | bare scan | suite: all metrics of one month | of which validation "
        "| pandas baseline | pandas / suite | suite / scan | metrics after validation / scan "
        "| full `analytics run` |\n"
        "|---:|---:|---|---|---:|---|---:|---:|---:|---:|"
    )
    text = (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; memory limit "
        f"{args.memory_limit}; period {period}; generated exports: {args.profile} profile."
        f"\n\n{header}\n" + "\n".join(lines) + "\n"
    )
    print(text)
    Path(args.out).with_suffix(".last-run.md").write_text(text)


if __name__ == "__main__":
    main()
