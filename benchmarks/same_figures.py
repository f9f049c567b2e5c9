"""Prove a refactor moved no figure: ``metrics.json`` before and after, month by month.

    .venv/bin/python benchmarks/same_figures.py --base REV [--source PATH] [--from 2025-01]
        [--to 2026-10] [--months 2026-10,2026-03] [--added METRIC,METRIC]

Checks out ``REV`` (a commit, branch or tag) in a temporary git worktree, computes the
``metrics.json`` document of every month with that revision's code and with the working
tree's, each in a child process of this same interpreter (the same installed libraries),
and compares them whole, apart from ``generated_at``, ``generator`` and ``policy`` (when,
by which version, and the path and hash of each revision's own shipped policy file, whose
layout a refactor may change) and ``coverage`` (how far the export reaches as of the day
it runs: not a figure). Prints one line per month and exits 1 if any month differs.
``--added`` names metrics the change introduced: the base has none of their rows, and they
are left out of the comparison (every figure the base had must still be identical).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs in a child process with one revision's src/ first on sys.path. It computes every
# month's document over one validated export, by the API that revision has.
CHILD = r"""
import json, sys
from dataclasses import replace
from datetime import UTC, datetime
src, source, out, *months = sys.argv[1:]
sys.path.insert(0, src)
import analytics
assert analytics.__file__.startswith(src), analytics.__file__
when = datetime(2000, 1, 1, tzinfo=UTC)
try:  # the registry's API (after the refactor of issue 12)
    from analytics.registry import open_report
    from analytics.run.metrics_json import compute_all, document
except ImportError:  # the flat package before it
    from analytics.context import open_report
    from analytics.metrics import compute_all, document
from analytics.period import Period
ctx = open_report(source, months[0])
docs = {}
for p in months:
    month = replace(ctx, period=Period.parse(p), generated_at=when)
    docs[p] = document(month, compute_all(month), when)
for p, doc in docs.items():
    doc.pop("generated_at", None)
    doc.pop("generator", None)
    doc.pop("policy", None)
    doc.pop("coverage", None)  # how far the export reaches as of today, not a figure
    # reasons within a table came in no fixed order before issue 12: compare them as a set
    doc["quarantine"] = sorted(doc["quarantine"], key=lambda q: (q["table"], q["reason"]))
json.dump(docs, open(out, "w"), indent=1, sort_keys=True, default=str)
"""


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM), inclusive."""
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def documents(src: Path, source: Path, months: list[str], scratch: Path) -> dict:
    """Every month's document as computed by the package in ``src``."""
    out = scratch / f"docs-{abs(hash(str(src)))}.json"
    subprocess.run(
        [sys.executable, "-c", CHILD, str(src), str(source), str(out), *months],
        check=True,
        cwd=scratch,
    )
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the revision before the change")
    parser.add_argument("--source", default=str(ROOT / "data" / "sample"), help="the export")
    parser.add_argument("--from", dest="first", default="2025-01")
    parser.add_argument("--to", dest="last", default="2026-10")
    parser.add_argument("--months", help="a comma-separated list instead of --from/--to")
    parser.add_argument("--added", default="", help="metrics new in the change (comma-separated)")
    args = parser.parse_args(argv)
    months = args.months.split(",") if args.months else months_between(args.first, args.last)
    source = Path(args.source).resolve()
    with tempfile.TemporaryDirectory(prefix="same-figures-") as tmp:
        scratch = Path(tmp)
        base = scratch / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        try:
            before = documents(base / "src", source, months, scratch)
            after = documents(ROOT / "src", source, months, scratch)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=True
            )
    print(f"source {source}; base {args.base}; {len(months)} months")
    added = {m for m in args.added.split(",") if m}
    differ = 0
    for p in months:
        a, b = before[p], after[p]
        assert not [m for m in a["metrics"] if m["metric"] in added], "the base has them"
        new_rows = len([m for m in b["metrics"] if m["metric"] in added])
        b = {**b, "metrics": [m for m in b["metrics"] if m["metric"] not in added]}
        same = a == b
        differ += not same
        line = f"{p}  {len(b['metrics']):4d} metric rows  "
        line += "identical" if same else "DIFFERENT"
        line += f"  (+{new_rows} rows of new metrics)" if added else ""
        print(line)
        if not same:
            old = {(m["metric"], m["segment"]): m["value"] for m in a["metrics"]}
            new = {(m["metric"], m["segment"]): m["value"] for m in b["metrics"]}
            for key in sorted(set(old) | set(new)):
                if old.get(key, "absent") != new.get(key, "absent"):
                    print(f"    {key}: {old.get(key, 'absent')} -> {new.get(key, 'absent')}")
            for key in sorted(set(a) | set(b)):
                if key != "metrics" and a.get(key) != b.get(key):
                    print(f"    {key}: {a.get(key)} -> {b.get(key)}")
    print(f"{len(months) - differ} of {len(months)} months identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
