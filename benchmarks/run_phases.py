"""Where a month's run spends its time: the run's own phase lines, medians of a few runs.

    .venv/bin/python benchmarks/run_phases.py [--runs 3] [--source PATH] [--period 2026-10]

Each run is ``analytics --log-level info run`` in a child process, as a scheduler starts
it, into a fresh folder; the phases are read from the lines the run logs (validation,
figures, notebooks, overview and PDFs) and the wall and CPU time of the whole command from
the child's resource usage. Prints one Markdown table of medians (seconds).
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = {
    "validation": re.compile(r"validated in ([0-9.]+) s"),
    "figures, work lists, trends": re.compile(r"figures, work lists and trends in ([0-9.]+) s"),
    "notebooks and the overview, together": re.compile(
        r"notebooks and the overview in ([0-9.]+) s"
    ),
    "  of which the notebooks": re.compile(r": notebooks in ([0-9.]+) s"),
    "  of which the overview and PDFs (beside them)": re.compile(
        r"overview and PDFs in ([0-9.]+) s"
    ),
    "metrics.json, manifest": re.compile(r": files in ([0-9.]+) s"),
}


def one_run(args: argparse.Namespace) -> dict[str, float]:
    """One whole run in a child process: its phases, wall and CPU seconds."""
    with tempfile.TemporaryDirectory(prefix="run-phases-") as out:
        command = [sys.executable, "-m", "analytics", "--log-level", "info", "run"]
        command += ["--out", out, "--period", args.period]
        if args.source:
            command += ["--source", args.source]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = {"whole command (wall)": wall}
    found["whole command (CPU)"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    for name, pattern in PHASES.items():
        match = pattern.search(done.stderr)
        if match:
            found[name] = float(match[1])
    found["the rest (start, kernels' end)"] = found["whole command (wall)"] - sum(
        found.get(name, 0.0) for name in PHASES if not name.startswith(" ")
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", default="")
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()
    runs = [one_run(args) for _ in range(args.runs)]
    print(f"| phase | median of {args.runs} (s) | range (s) |")
    print("|---|---:|---:|")
    for name in runs[0]:
        values = [r[name] for r in runs if name in r]
        print(
            f"| {name} | {statistics.median(values):.1f} | {min(values):.1f} to {max(values):.1f} |"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    main()
