"""The clinic's own systems in: vendor files to contract tables, by declarative mappings.

``analytics import KIND SOURCE... --into EXPORT`` reads a vendor's files (``records``),
makes contract rows by the kind's mapping (``mapping``: a shipped preset, or the clinic's
own file for kind ``columns``; ``engine`` applies it), finds each patient in the clinic's
directory or gives a pseudonym (``people``), and merges the rows into the export's
Parquet files (``writing``). The sources are only read. Either every table of the import
is written, or none is: a file that cannot be read stops the import before anything is
replaced. ``ImportReport`` says what was read, written and skipped, and what the import
could not know.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from analytics.contract import TABLES
from analytics.errors import UsageError
from analytics.files import read_toml
from analytics.imports.engine import Seen, make_rows
from analytics.imports.mapping import Mapping, load_mapping
from analytics.imports.people import e164, phone_like, read_directory
from analytics.imports.writing import check_target, merge

KEY_ENV = "ANALYTICS_IMPORT_KEY"


@dataclass
class ImportReport:
    """What one import did: per source file and in all."""

    kind: str
    table: str
    into: Path
    seen: Seen
    added: int
    held: int  # rows the table holds after the import
    cannot_know: tuple[str, ...] = ()
    inbound_without_text: int = 0
    missing_tables: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report, a line each, for a person."""
        s = self.seen
        kept = s.rows - self.added
        out = [
            f"import {self.kind} into {self.into}: {s.records:,} records read",
            f"  {self.table}: {self.added:,} rows added"
            + (f", {kept:,} already there (written once)" if kept else "")
            + f"; the table holds {self.held:,}",
        ]
        for reason, n in sorted(s.skipped.items(), key=lambda x: -x[1]):
            out.append(f"  skipped {n:,}: {reason} (first: {s.first_skipped[reason]})")
        if s.pseudonymous_rows:
            out.append(
                f"  {_n(s.pseudonymous_rows, 'row')} name a patient not in the directory: "
                "each has a pseudonymous id (a keyed hash), never the number or address"
            )
        for what, n in _top(s.unmapped):
            out.append(
                f"  no value for {what} ({_n(n, 'row')}): map it in the lookup file; the run "
                "quarantines an outbound message without a purpose"
            )
        for what, n in _top(s.outside_codes):
            out.append(
                f"  not in the code map, kept as given (the run quarantines it): {what} ({n:,})"
            )
        if self.inbound_without_text:
            out.append(
                f"  {self.inbound_without_text:,} inbound messages have no text (redacted by the "
                "vendor?): a STOP or HELP in them cannot be seen"
            )
        out += [f"  cannot know: {x}" for x in self.cannot_know]
        if self.missing_tables:
            out.append(
                "  before a run, the export needs its other tables too: "
                + ", ".join(self.missing_tables)
            )
        return out


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _top(counts: Counter, n: int = 10) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:n]


def read_lookups(path: Path | None, mapping: Mapping) -> dict[str, dict[str, str]]:
    """The lookup tables a mapping reads (``[KIND.NAME]`` of a TOML file), keys as given
    and, for phone numbers, in E.164; each value checked against its column's codes."""
    wanted = mapping.lookups
    if not wanted:
        if path is not None:
            raise UsageError(
                f"the {mapping.kind} mapping reads no lookup: --purposes (--lookups) is not used"
            )
        return {}
    if path is None:
        return {}
    data = read_toml(path, "lookup file")
    section = data.get(mapping.kind)
    if not isinstance(section, dict):
        raise UsageError(f"{path} has no [{mapping.kind}.{sorted(wanted)[0]}] table")
    found: dict[str, dict[str, str]] = {}
    for name in wanted:
        table = section.get(name, {})
        codes = next(
            (
                mapping.table.column(col).codes
                for block in mapping.rows
                for col, rule in block.columns.items()
                for r in (rule, *rule.cases.values())
                if r.lookup == name
            ),
            (),
        )
        values: dict[str, str] = {}
        for key, value in table.items():
            if codes and value not in codes:
                raise UsageError(
                    f"{path} [{mapping.kind}.{name}] {key}: {value!r} is not one of "
                    + ", ".join(codes)
                )
            values[str(key).strip()] = str(value)
            phone = e164(str(key)) if phone_like(str(key)) else None
            if phone:
                values[phone] = str(value)
        found[name] = values
    return found


def run_import(
    kind: str,
    sources: list[Path],
    into: Path,
    *,
    directory: Path | None = None,
    purposes: Path | None = None,
    mapping_file: Path | None = None,
    key: str | None = None,
) -> ImportReport:
    """Import ``sources`` of ``kind`` into the export folder ``into`` (see the module)."""
    mapping = load_mapping(kind, mapping_file)
    if not sources:
        raise UsageError("give the vendor files to import")
    for source in sources:
        if not source.is_file():
            raise UsageError(f"{source} is not a file")
    target = check_target(into, mapping.table)
    people = read_directory(directory, key or os.environ.get(KEY_ENV) or None)
    lookups = read_lookups(purposes, mapping)
    rows, seen = make_rows(mapping, sources, people, lookups)
    into.mkdir(parents=True, exist_ok=True)
    pending, added, held = merge(mapping.table, rows, target)
    if pending is not None:
        pending.replace(target)
    present = {p.stem for p in into.glob("*.parquet")}
    missing = [t.name for t in TABLES if not t.optional and t.name not in present]
    inbound = (
        sum(1 for r in rows if r.get("direction") == "inbound" and r.get("body") is None)
        if mapping.table.name == "messages"
        else 0
    )
    return ImportReport(
        kind=mapping.kind,
        table=mapping.table.name,
        into=into,
        seen=seen,
        added=added,
        held=held,
        cannot_know=mapping.cannot_know,
        inbound_without_text=inbound,
        missing_tables=missing,
    )
