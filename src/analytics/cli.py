"""The ``analytics`` command: thin wrappers that parse options and call the package.

Every user mistake ends with one line on stderr and the exit code its error carries
(``analytics.errors``), never a traceback. Anything else is a bug: one line saying so and
where the full traceback was written, and exit 1.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import sys
import tempfile
import textwrap
import traceback
from dataclasses import replace
from datetime import date
from pathlib import Path

from analytics import __version__
from analytics.contract import QUARANTINE_REASONS, TABLES_BY_NAME
from analytics.errors import (
    EXIT_CODES,
    EXIT_INTERNAL,
    EXIT_OK,
    AnalyticsError,
    ExportError,
    OutputError,
    RunError,
    UsageError,
)
from analytics.loading.hints import read_hints
from analytics.loading.loader import open_export
from analytics.loading.source import read_options, resolve_source
from analytics.paths import reports_dir
from analytics.period import Period, PeriodError
from analytics.policy import clinic_timezone
from analytics.settings import (
    CONFIG_ENV,
    CONFIG_NAME,
    SETTINGS,
    VALIDATION_FOLDER,
    Settings,
    load_settings,
    parse_table_options,
)

EPILOG = "exit codes:\n" + "\n".join(
    textwrap.fill(f"{code}  {text}", width=88, initial_indent="  ", subsequent_indent="     ")
    for code, text in EXIT_CODES.items()
)


def _cmd_sample(args: argparse.Namespace) -> int:
    from analytics.sample import generate_sample

    out = generate_sample(
        args.out,
        patients=args.patients,
        seed=args.seed,
        fmt=args.format,
        profile=args.profile,
        memory_limit=args.memory_limit,
        force=args.force,
    )
    print(
        f"sample export written to {out} ({args.patients} patients, {args.profile} profile, "
        f"seed {args.seed})"
    )
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    # validated in the zone of the policy its reports will apply (the configured one)
    zone = clinic_timezone(settings.policy)
    export = open_export(
        resolve_source(settings.source),
        options=replace(read_options(settings), clinic_timezone=zone),
        keep_in=Path(settings.validation_dir),
    )
    try:
        rows = export.summary_rows()
        hints = read_hints(export)
        additions = export.absent_additions()
    finally:
        export.close()
    print(f"export {export.source} ({export.form})")
    done = [s.validated for s in export.tables.values() if s.present]
    print(
        f"validated: {done.count('full')} tables in full, {done.count('added')} only their "
        f"added rows, {done.count('kept')} unchanged (kept in {settings.validation_dir})"
    )
    header = f"{'table':<16}{'read':>9}{'used':>9}{'quarantined':>13}  by reason"
    print(header)
    print("-" * len(header))
    for r in rows:
        if not r["present"]:
            print(f"{r['table']:<16}  (absent: {TABLES_BY_NAME[r['table']].absent_note})")
            continue
        reasons = ", ".join(f"{k} {r[k]}" for k in QUARANTINE_REASONS if r[k]) or "-"
        print(
            f"{r['table']:<16}{r['rows_read']:>9}{r['rows_used']:>9}"
            f"{r['rows_quarantined']:>13}  {reasons}"
        )
    for table in additions:
        table_spec = TABLES_BY_NAME[table]
        absent = "the export has no such log" if table_spec.is_log else table_spec.absent_note
        print(f"{table:<16}  (absent: {absent})")
    for hint in hints:
        print(f"hint: {hint}")
    for s in export.tables.values():
        for column in s.absent_columns:
            looks = s.near_misses.get(column)
            hint = (
                f" (it has {looks!r}: rename it to {column!r} if that is the one)" if looks else ""
            )
            print(f"note: {s.table} has no column {column!r}: read as empty{hint}")
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


def _settings(args: argparse.Namespace) -> Settings:
    """The settings in force: this command's options over the environment, the
    configuration file and the defaults. Those the notebooks' kernels must see too (memory
    limit, notebooks, how to read timestamps) are put in the environment they inherit."""
    given = {name: getattr(args, name, None) for name in SETTINGS}
    if getattr(args, "table_option", None):
        given["tables"] = parse_table_options(args.table_option)
    settings = load_settings(given, args.config)
    if not settings.validation_dir:  # kept beside the reports, for every command and kernel
        out = Path(settings.out) if settings.out else reports_dir()
        values = {**settings.values, "validation_dir": str(out / VALIDATION_FOLDER)}
        settings = replace(settings, values=values)
    for name, setting in SETTINGS.items():
        if setting.inherited and settings.values[name]:
            value = settings.values[name]
            text = json.dumps(value) if isinstance(value, dict) else str(value)
            os.environ[SETTINGS[name].env(name)] = text
    return settings


def _cmd_import(args: argparse.Namespace) -> int:
    from analytics.imports import run_import

    settings = load_settings({}, args.config)
    report = run_import(
        args.kind,
        [Path(s).expanduser() for s in args.sources],
        Path(args.into).expanduser(),
        directory=Path(args.directory).expanduser() if args.directory else None,
        purposes=Path(args.purposes).expanduser() if args.purposes else None,
        mapping_file=Path(args.mapping).expanduser() if args.mapping else None,
        key=settings.values.get("import_key"),
    )
    print("\n".join(report.lines()))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from analytics.run.kernels import Timeouts
    from analytics.run.runner import run_months, terminal_progress

    settings = _settings(args)
    out = Path(settings.out) if settings.out else reports_dir()
    results = run_months(
        settings.source,
        _periods(args),
        settings.policy,
        out,
        jobs=settings.jobs,
        progress=terminal_progress(),
        timeouts=Timeouts(cell=settings.cell_timeout, start=settings.start_timeout),
        partial=args.partial,
    )
    for month in results:
        print(f"wrote {month.folder / 'index.html'}")
    return EXIT_OK


def _cmd_accounting(args: argparse.Namespace) -> int:
    from analytics.documents import accounting
    from analytics.run.pdf import start_early

    settings = _settings(args)
    start_early()  # its PDF's chromium starts while the letter is made
    made = accounting.make(
        settings.source, settings.policy, args.patient, args.as_of, args.allow_incomplete
    )
    return _write_document(made, settings, args.accounting_out)


def _cmd_breach_log(args: argparse.Namespace) -> int:
    from analytics.documents import breach_log
    from analytics.run.pdf import start_early

    settings = _settings(args)
    start_early()  # its PDF's chromium starts while the log is made
    as_of = _date_option("--as-of", args.as_of)
    made = breach_log.make(
        settings.source, settings.policy, args.year, as_of, args.allow_incomplete
    )
    return _write_document(made, settings, args.log_out)


def _write_document(made, settings: Settings, out: str | None) -> int:
    """Write a document to send (an accounting, a breach log) owner-only, with its PDF,
    and say what it holds and what its maker should know."""
    from analytics.documents import write

    folder = Path(settings.out) if settings.out else reports_dir()
    written = write(made, Path(out) if out else folder / made.default_out)
    print(f"wrote {written[0]}: {made.summary}")
    for path in written[1:]:
        print(f"wrote {path}")
    for note in made.notes:
        print(f"note: {note}")
    for warning in made.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def _date_option(name: str, text: str | None) -> date | None:
    """A date option written YYYY-MM-DD, or None when not given."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{name} {text!r} is not a date written YYYY-MM-DD") from None


def _cmd_workspace(args: argparse.Namespace) -> int:
    from analytics.registry import load_policy
    from analytics.run.workspace import make_workspace

    settings = _settings(args)
    if settings.source and not Path(settings.source).expanduser().exists():
        raise ExportError(f"no export at {settings.source}: the path does not exist")
    load_policy(settings.policy)  # a bad policy file is refused now, not in every notebook
    done = make_workspace(Path(args.folder), settings, replace=args.replace)
    kept = f"; kept the {len(done.kept)} already there (--replace overwrites)" if done.kept else ""
    print(
        f"workspace {done.folder}: {len(done.written)} notebooks written{kept}; "
        f"open it with: jupyter lab --notebook-dir={done.folder}"
    )
    return EXIT_OK


def _read_options(p: argparse.ArgumentParser) -> None:
    """The options that say how to read an export (also in the configuration file)."""
    p.add_argument(
        "--timestamp-format",
        metavar="FORMAT",
        help="the export's timestamp format, strptime (e.g. '%%m/%%d/%%Y %%I:%%M %%p'); "
        "';' between several",
    )
    p.add_argument(
        "--timestamp-timezone",
        metavar="ZONE",
        help="the time zone of timestamps written without an offset (default UTC)",
    )
    p.add_argument(
        "--csv-encoding",
        metavar="ENCODING",
        help="the CSV files' encoding: utf-8 (default), latin-1 (or cp1252) or utf-16",
    )
    p.add_argument(
        "--csv-delimiter",
        metavar="CHAR",
        help="the CSV files' delimiter (default ','; '\\t' for a tab)",
    )
    p.add_argument(
        "--duckdb-schema",
        metavar="SCHEMA",
        help="the schema of a .duckdb export that holds the tables (default main)",
    )
    p.add_argument(
        "--table-option",
        metavar="TABLE.SETTING=VALUE",
        action="append",
        help="how to read one table's file when it differs from the rest, e.g. "
        "messages.csv_encoding=latin-1 (csv_encoding, csv_delimiter, timestamp_format, "
        "timestamp_timezone; repeat for more)",
    )


CELL_TIMEOUT = SETTINGS["cell_timeout"].default
START_TIMEOUT = SETTINGS["start_timeout"].default


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="analytics",
        description="Privacy-compliance analytics: did the clinic keep its notice's promises?",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        choices=("error", "warning", "info", "debug"),
        default="warning",
        help="what goes to the log on stderr: info adds each notebook's time (default warning)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"configuration file (default: ${CONFIG_ENV}, else ./{CONFIG_NAME} if present)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write the deterministic sample export")
    p.add_argument(
        "--out",
        required=True,
        help="directory to write (an earlier sample there is replaced; any other folder "
        "that holds files is refused without --force)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace --out even if it is not a sample's"
    )
    p.add_argument("--patients", type=int, default=3000, help="clinic size (default 3000)")
    p.add_argument("--seed", type=int, default=20261026, help="random seed")
    p.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="the tables' files"
    )
    p.add_argument(
        "--profile",
        choices=("clinic", "health-system"),
        default="clinic",
        help="per-patient volumes: a medical spa, or a health system (more of everything)",
    )
    p.add_argument(
        "--memory-limit",
        help="cap DuckDB's memory (e.g. 6GB) and spill the rest to disk: ten million "
        "patients on a machine with less memory than their tables",
    )
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser(
        "import",
        help="vendor files (Twilio, Mailchimp, Klaviyo, FHIR audit events, any CSV by a "
        "mapping) into an export's contract tables",
        description="Read a vendor's files and merge the contract rows they give into the "
        "export folder's Parquet files (created if needed); the sources are only read. "
        "See docs/imports.md.",
    )
    p.add_argument(
        "kind",
        choices=("twilio", "mailchimp", "klaviyo", "fhir-audit", "columns"),
        help="the files' kind",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="the vendor's files")
    p.add_argument("--into", required=True, metavar="EXPORT", help="the export folder to write")
    p.add_argument(
        "--directory",
        metavar="FILE",
        help="CSV of the clinic's patients: patient_id, phone and/or email",
    )
    p.add_argument(
        "--purposes",
        "--lookups",
        dest="purposes",
        metavar="FILE",
        help="TOML of the kind's lookups: [twilio.purposes] maps a messaging service or "
        "sending number to a purpose; [fhir-audit.members] and [fhir-audit.patients] map "
        "FHIR references to ids",
    )
    p.add_argument("--mapping", metavar="FILE", help="the mapping file of kind columns")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("validate", help="check an export against the data contract")
    p.add_argument(
        "source", nargs="?", help="a .duckdb file or an export directory (default: the sample)"
    )
    _read_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "run",
        help="the monthly run: every report notebook, index.html and metrics.json",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--source", help="export to read (default: the shipped sample)")
    p.add_argument(
        "--period",
        help="month YYYY-MM (default: the last month that has ended and the export covers)",
    )
    p.add_argument("--from", dest="from_", metavar="YYYY-MM", help="first month of a range")
    p.add_argument("--to", metavar="YYYY-MM", help="last month of a range")
    p.add_argument(
        "--partial",
        action="store_true",
        help="report a month that has not ended yet (its pages say it is incomplete)",
    )
    p.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    p.add_argument("--out", help="output folder (default: reports/)")
    p.add_argument("--jobs", type=int, help="notebooks run at once (default: the number of cores)")
    p.add_argument(
        "--memory-limit",
        help="cap on DuckDB's memory per process, e.g. 3GB (spills to disk beyond it)",
    )
    p.add_argument(
        "--cell-timeout",
        type=int,
        metavar="SECONDS",
        help=f"a notebook cell running longer fails the run (default {CELL_TIMEOUT})",
    )
    p.add_argument(
        "--start-timeout",
        type=int,
        metavar="SECONDS",
        help=f"a kernel not ready by then is started once more (default {START_TIMEOUT})",
    )
    _read_options(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "accounting",
        help="a patient's accounting of disclosures (45 CFR 164.528) as an HTML document",
    )
    p.add_argument("--patient", required=True, help="the patient's id (pseudonymous key)")
    p.add_argument("--as-of", help="date of the request, YYYY-MM-DD (default: today)")
    p.add_argument("--source", help="export to read (default: the shipped sample)")
    p.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    p.add_argument(
        "--out",
        dest="accounting_out",
        help="file to write (default: accounting/... in the configured reports folder)",
    )
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="write the letter even when some of the patient's disclosure records are "
        "quarantined (it then says that some records are under review)",
    )
    _read_options(p)
    p.set_defaults(func=_cmd_accounting)

    p = sub.add_parser(
        "breach-log",
        help="the year's log of breaches under 500 for HHS (45 CFR 164.408(c)), as HTML and PDF",
    )
    p.add_argument("--year", type=int, required=True, help="the calendar year of discovery")
    p.add_argument(
        "--as-of",
        help="judge the notices as of this date, YYYY-MM-DD (default: the export's last record)",
    )
    p.add_argument("--source", help="export to read (default: the shipped sample)")
    p.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    p.add_argument(
        "--out",
        dest="log_out",
        help="file to write (default: incidents/... in the configured reports folder)",
    )
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="write the log even when incident records of the year are quarantined (it "
        "then says that some records are under review)",
    )
    _read_options(p)
    p.set_defaults(func=_cmd_breach_log)

    p = sub.add_parser(
        "workspace",
        help="the officer's notebooks in an owner-only folder outside git, for JupyterLab",
    )
    p.add_argument("folder", help="the workspace folder (created; outside any git checkout)")
    p.add_argument("--source", help="the export its notebooks read (default: the configured)")
    p.add_argument("--policy", help="policy TOML file (default: the configured or shipped)")
    p.add_argument(
        "--replace",
        action="store_true",
        help="overwrite notebooks already there (default: keep the officer's copies)",
    )
    _read_options(p)
    p.set_defaults(func=_cmd_workspace)
    return parser


# what the file system answers when the reports cannot be written
WRITE_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def internal_error(error: BaseException) -> int:
    """Report a bug: one line on stderr naming the file that holds the full traceback."""
    fd, path = tempfile.mkstemp(prefix="analytics-internal-error-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(traceback.format_exception(error)))
    where = traceback.extract_tb(error.__traceback__)[-1:] or None
    place = f" at {Path(where[0].filename).name}:{where[0].lineno}" if where else ""
    print(
        f"analytics: internal error{place} ({type(error).__name__}: {error}); this is a bug in "
        f"the suite, not in your input. The full traceback is in {path}",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd stopping the unit, ``timeout``): handled like Ctrl-C."""


def _quiet_teardown() -> None:
    """A stopped run's kernels end with complaints (a kernel died, a socket left open):
    not news, since one line says the run stopped."""
    for name in ("papermill", "traitlets", "nbclient"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


# the stop a signal asked for: DuckDB reports a signal that arrives during one of its
# queries as the query interrupted (RuntimeError), not as the handler's exception
_STOPS: list[KeyboardInterrupt] = []


def _terminate(signum: int, frame: object) -> None:
    _quiet_teardown()
    _STOPS.append(Terminated())
    raise _STOPS[-1]


def _interrupt(signum: int, frame: object) -> None:
    _STOPS.append(KeyboardInterrupt())
    raise _STOPS[-1]


def _stopped(e: KeyboardInterrupt) -> int:
    """One line and the exit code of a command stopped by SIGTERM or Ctrl-C."""
    _quiet_teardown()
    stopped = isinstance(e, Terminated)
    print(
        f"analytics: {'stopped (SIGTERM)' if stopped else 'interrupted'}; nothing was replaced",
        file=sys.stderr,
    )
    return 143 if stopped else 130


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    previous = signal.signal(signal.SIGTERM, _terminate)
    previous_int = signal.signal(signal.SIGINT, _interrupt)
    _STOPS.clear()
    try:
        return _main(args)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def _main(args: argparse.Namespace) -> int:
    """Run the command; every error a person can cause becomes one line and its code."""
    try:
        if getattr(args, "period", None):
            Period.parse(args.period)
        return args.func(args)
    except AnalyticsError as e:
        prefix = "run failed, nothing replaced: " if isinstance(e, RunError) else ""
        print(f"analytics: {prefix}{e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:  # workers, kernels and temporary folders are gone
        return _stopped(e)
    except BrokenPipeError:  # `analytics validate | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:
        if e.errno in WRITE_FAILURES:
            print(f"analytics: {OutputError.describe(e)}", file=sys.stderr)
            return OutputError.exit_code
        return internal_error(e)
    except Exception as e:  # a bug, never a user's mistake, unless a signal stopped a query
        if _STOPS:
            return _stopped(_STOPS[-1])
        if type(e).__name__ == "OutOfMemoryException":  # DuckDB, within --memory-limit
            print(
                "analytics: DuckDB ran out of memory within the memory limit set "
                "(memory_limit or --memory-limit): raise it, or leave it unset; nothing was "
                "replaced",
                file=sys.stderr,
            )
            return UsageError.exit_code
        return internal_error(e)


if __name__ == "__main__":
    sys.exit(main())
