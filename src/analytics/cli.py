"""The ``analytics`` command: thin wrappers that parse options and call the package.

Every user mistake (a missing export, a bad period, an unreadable policy) ends with one
line on stderr and exit code 2, never a traceback. A failed report run exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics.contract import QUARANTINE_REASONS
from analytics.loader import ExportError, open_export
from analytics.period import Period, PeriodError
from analytics.policy import PolicyError

EXIT_USAGE = 2
EXIT_FAILED = 1


def _cmd_sample(args: argparse.Namespace) -> int:
    from analytics.sample import generate_sample

    out = generate_sample(args.out, patients=args.patients, seed=args.seed, fmt=args.format)
    print(f"sample export written to {out} ({args.patients} patients, seed {args.seed})")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    export = open_export(args.source)
    try:
        rows = export.summary_rows()
    finally:
        export.close()
    print(f"export {export.source} ({export.form})")
    header = f"{'table':<16}{'read':>9}{'used':>9}{'quarantined':>13}  by reason"
    print(header)
    print("-" * len(header))
    for r in rows:
        if not r["present"]:
            print(f"{r['table']:<16}{'(absent: optional table, read as empty)':>40}")
            continue
        reasons = ", ".join(f"{k} {r[k]}" for k in QUARANTINE_REASONS if r[k]) or "-"
        print(
            f"{r['table']:<16}{r['rows_read']:>9}{r['rows_used']:>9}"
            f"{r['rows_quarantined']:>13}  {reasons}"
        )
    for s in export.tables.values():
        if s.absent_columns:
            print(f"note: {s.table} has no column {', '.join(s.absent_columns)}: read as empty")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from analytics.context import open_report
    from analytics.paths import reports_dir
    from analytics.report import RunError, report_notebooks, run_notebooks

    ctx = open_report(args.source, args.period, args.policy)
    ctx.export.close()
    out = Path(args.out) if args.out else reports_dir()
    parameters = {
        "source": str(ctx.export.source.resolve()),
        "period": str(ctx.period),
        "policy": str(Path(ctx.policy.path).resolve()),
    }
    notebooks = report_notebooks()
    if not notebooks:
        print("analytics: no report notebooks found", file=sys.stderr)
        return EXIT_USAGE
    try:
        results = run_notebooks(notebooks, out / str(ctx.period), parameters)
    except RunError as e:
        print(f"analytics: run for {ctx.period} failed, nothing replaced: {e}", file=sys.stderr)
        return EXIT_FAILED
    for r in results:
        print(f"wrote {r.html}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="analytics",
        description="Privacy-compliance analytics: did the clinic keep its notice's promises?",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write the deterministic sample export")
    p.add_argument("--out", required=True, help="directory to write (replaced if present)")
    p.add_argument("--patients", type=int, default=3000, help="clinic size (default 3000)")
    p.add_argument("--seed", type=int, default=20261026, help="random seed")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("validate", help="check an export against the data contract")
    p.add_argument("source", help="a .duckdb file or an export directory")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("run", help="execute the report notebooks and render HTML")
    p.add_argument("--source", help="export to read (default: the shipped sample)")
    p.add_argument("--period", help="month YYYY-MM (default: last month the export covers)")
    p.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    p.add_argument("--out", help="output folder (default: reports/)")
    p.set_defaults(func=_cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "period", None):
        try:
            Period.parse(args.period)
        except PeriodError as e:
            print(f"analytics: {e}", file=sys.stderr)
            return EXIT_USAGE
    try:
        return args.func(args)
    except (ExportError, PolicyError, PeriodError, ValueError) as e:
        print(f"analytics: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("analytics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
