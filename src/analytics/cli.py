"""The ``analytics`` command: thin wrappers that parse options and call the package.

Every user mistake ends with one line on stderr and a documented exit code, never a
traceback (see ``EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from analytics.contract import QUARANTINE_REASONS
from analytics.loader import ExportError, open_export
from analytics.period import Period, PeriodError
from analytics.policy import PolicyError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_EXPORT = 3
EXIT_NOTEBOOK = 4
EXIT_LOCKED = 5

EXIT_CODES = f"""exit codes:
  {EXIT_OK}  success
  {EXIT_USAGE}  bad arguments: a period that is not YYYY-MM or lies outside the export,
     an unreadable policy file, a bad option
  {EXIT_EXPORT}  the export cannot be read: missing path, not an export, a required table
     or column missing, a file that is not what its name says
  {EXIT_NOTEBOOK}  a report notebook failed: nothing was replaced, the failed notebook is kept
  {EXIT_LOCKED}  another run of the same month is in progress
"""


def _cmd_sample(args: argparse.Namespace) -> int:
    from analytics.sample import generate_sample

    out = generate_sample(
        args.out, patients=args.patients, seed=args.seed, fmt=args.format, profile=args.profile
    )
    print(
        f"sample export written to {out} ({args.patients} patients, {args.profile} profile, "
        f"seed {args.seed})"
    )
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


def _periods(args: argparse.Namespace) -> list[str | None]:
    """The months to run: one (--period or the default) or a --from/--to range."""
    if args.from_ or args.to:
        if not (args.from_ and args.to) or args.period:
            raise PeriodError("give --from and --to together, without --period")
        first, last = Period.parse(args.from_), Period.parse(args.to)
        if last < first:
            raise PeriodError(f"--to {last} is before --from {first}")
        months = [first]
        while months[-1] < last:
            months.append(months[-1].shift(1))
        return [str(m) for m in months]
    return [args.period]


def _cmd_run(args: argparse.Namespace) -> int:
    from analytics.paths import reports_dir
    from analytics.report import RunError
    from analytics.runner import RunLocked, run_months, terminal_progress

    if args.jobs < 1:
        raise ValueError("--jobs must be 1 or more")
    if args.memory_limit:
        # the notebooks' kernels inherit it, so every DuckDB of the run keeps to it
        os.environ["ANALYTICS_MEMORY_LIMIT"] = args.memory_limit
    out = Path(args.out) if args.out else reports_dir()
    try:
        results = run_months(
            args.source,
            _periods(args),
            args.policy,
            out,
            jobs=args.jobs,
            progress=terminal_progress(),
        )
    except RunError as e:
        print(f"analytics: run failed, nothing replaced: {e}", file=sys.stderr)
        return EXIT_NOTEBOOK
    except RunLocked as e:
        print(f"analytics: {e}", file=sys.stderr)
        return EXIT_LOCKED
    for month in results:
        print(f"wrote {month.folder / 'index.html'}")
    return EXIT_OK


def _cmd_accounting(args: argparse.Namespace) -> int:
    from analytics.accounting import (
        accounting,
        default_output,
        open_accounting_context,
        parse_as_of,
        render_accounting,
    )
    from analytics.files import write_private
    from analytics.paths import reports_dir
    from analytics.policy import load_policy

    as_of = parse_as_of(args.as_of, load_policy(args.policy).timezone)
    ctx = open_accounting_context(args.source, args.policy, as_of)
    try:
        acc = accounting(ctx, args.patient, as_of)
        page = render_accounting(ctx, acc)
    finally:
        ctx.export.close()
    out = Path(args.out) if args.out else default_output(reports_dir(), args.patient, as_of)
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(out, page)
    n = len(acc.disclosures)
    print(
        f"wrote {out}: {n} accountable disclosure{'s' if n != 1 else ''} "
        f"from {acc.first_day} to {acc.as_of}"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="analytics",
        description="Privacy-compliance analytics: did the clinic keep its notice's promises?",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write the deterministic sample export")
    p.add_argument("--out", required=True, help="directory to write (replaced if present)")
    p.add_argument("--patients", type=int, default=3000, help="clinic size (default 3000)")
    p.add_argument("--seed", type=int, default=20261026, help="random seed")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    p.add_argument(
        "--profile",
        choices=("clinic", "health-system"),
        default="clinic",
        help="per-patient volumes: a medical spa, or a health system (more of everything)",
    )
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("validate", help="check an export against the data contract")
    p.add_argument("source", help="a .duckdb file or an export directory")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "run",
        help="the monthly run: every report notebook, index.html and metrics.json",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--source", help="export to read (default: the shipped sample)")
    p.add_argument("--period", help="month YYYY-MM (default: last month the export covers)")
    p.add_argument("--from", dest="from_", metavar="YYYY-MM", help="first month of a range")
    p.add_argument("--to", metavar="YYYY-MM", help="last month of a range")
    p.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    p.add_argument("--out", help="output folder (default: reports/)")
    p.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once (cores)"
    )
    p.add_argument(
        "--memory-limit",
        help="cap on DuckDB's memory per process, e.g. 3GB (spills to disk beyond it)",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "accounting",
        help="a patient's accounting of disclosures (45 CFR 164.528) as an HTML document",
    )
    p.add_argument("--patient", required=True, help="the patient's id (pseudonymous key)")
    p.add_argument("--as-of", help="date of the request, YYYY-MM-DD (default: today)")
    p.add_argument("--source", help="export to read (default: the shipped sample)")
    p.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    p.add_argument("--out", help="file to write (default: reports/accounting/...)")
    p.set_defaults(func=_cmd_accounting)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "period", None):
            Period.parse(args.period)
        return args.func(args)
    except ExportError as e:
        print(f"analytics: {e}", file=sys.stderr)
        return EXIT_EXPORT
    except (PolicyError, PeriodError, ValueError) as e:
        print(f"analytics: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("analytics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
