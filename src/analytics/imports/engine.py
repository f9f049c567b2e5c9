"""Applying a mapping to a vendor's records: contract rows, and what the import saw.

Every record read is accounted for: it gives its rows, or it is skipped with a reason (a
``[[skip]]`` of the mapping, a date that cannot be read). What the import could not
know is counted too: patients not in the directory (given pseudonyms), senders without a
purpose, vendor values outside a code map, inbound texts without a body.
"""

from __future__ import annotations

import email.utils
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.contract import Column, Table
from analytics.imports.mapping import Mapping, MappingError, Rule
from analytics.imports.people import Directory, e164, phone_like
from analytics.imports.records import Record, SourceError, read_records


@dataclass
class Seen:
    """What an import read, skipped and could not know, for its report."""

    records: int = 0
    rows: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> records
    first_skipped: dict[str, str] = field(default_factory=dict)  # reason -> "file line N"
    pseudonymous_rows: int = 0
    unmapped: Counter = field(default_factory=Counter)  # "lookup: value" -> rows
    outside_codes: Counter = field(default_factory=Counter)  # "column: value" -> rows

    def skip(self, reason: str, record: Record) -> None:
        self.skipped[reason] += 1
        self.first_skipped.setdefault(reason, f"{record.file.name} line {record.line}")


class Unreadable(Exception):
    """A value a rule cannot read (a date in no known format): its record is skipped."""


def make_rows(
    mapping: Mapping,
    sources: list[Path],
    directory: Directory,
    lookups: dict[str, dict[str, str]],
) -> tuple[list[dict[str, Any]], Seen]:
    """Every contract row the sources give under ``mapping``, and what was seen."""
    seen = Seen()
    rows: list[dict[str, Any]] = []
    for path in sources:
        for record in read_records(path, mapping.list_key, mapping.bundle):
            seen.records += 1
            _check_kind(mapping, record)
            skip = next((s for s in mapping.skips if s.applies(record.get(s.field))), None)
            if skip is not None:
                seen.skip(skip.reason, record)
                continue
            try:
                made = [
                    _row(block.columns, mapping, record, directory, lookups, seen)
                    for block in mapping.rows
                    if all(record.get(f) is not None for f in block.when)
                ]
            except Unreadable as e:
                seen.skip(str(e), record)
                continue
            if not made:
                seen.skip("gives no row (none of the fields its rows need)", record)
            rows += made
    seen.rows = len(rows)
    return rows, seen


def _check_kind(mapping: Mapping, record: Record) -> None:
    """A record without the field its row's id is made from is not this kind's: refuse
    the file (before anything is written)."""
    wanted: list[str] = []
    for block in mapping.rows:
        rule = block.columns.get(mapping.table.id_column)
        needed = (rule.fields or rule.id_from[:1]) if rule is not None else ()
        if not needed or any(record.has(f) for f in needed):
            return
        wanted += [f for f in needed if f not in wanted]
    raise SourceError(
        f"{record.file} line {record.line}: no field {' or '.join(wanted)}: not a "
        f"{mapping.kind} record (is it the right file for this kind?); nothing was written"
    )


@lru_cache(maxsize=512)
def _column(table: Table, name: str) -> Column:
    return table.column(name)


def _row(
    rules: dict[str, Rule],
    mapping: Mapping,
    record: Record,
    directory: Directory,
    lookups: dict[str, dict[str, str]],
    seen: Seen,
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    pseudonymous = False
    for name, rule in rules.items():
        column = _column(mapping.table, name)
        if rule.by is not None:
            case = rule.cases.get(str(row.get(rule.by)))
            if case is None:
                row[name] = None
                continue
            rule = case
        value, pseudo = _value(rule, column, record, directory, lookups, seen)
        pseudonymous = pseudonymous or pseudo
        row[name] = value
    if pseudonymous:
        seen.pseudonymous_rows += 1
    return row


def _value(
    rule: Rule,
    column: Column,
    record: Record,
    directory: Directory,
    lookups: dict[str, dict[str, str]],
    seen: Seen,
) -> tuple[Any, bool]:
    if rule.value is not None:
        return _typed(rule.value, rule, column), False
    if rule.id_from:
        parts = [record.get(f) for f in rule.id_from]
        if any(p is None for p in parts):
            raise Unreadable(f"{column.name}: no {' or '.join(rule.id_from)} to make its id from")
        return rule.prefix + directory.pseudonym("id", "|".join(str(p) for p in parts)), False
    if rule.phone or rule.email:
        kind, source = ("phone", rule.phone) if rule.phone else ("email", rule.email)
        return directory.patient(kind, record.get(str(source)))
    if rule.lookup is not None:
        table = lookups.get(rule.lookup, {})
        given = [record.get(k) for k in rule.keys]
        for raw in given:
            if raw is not None:
                for key in (raw.strip(), e164(raw) if phone_like(raw) else None):
                    if key and key in table:
                        return table[key], False
        if rule.fallback is not None:
            return _value(rule.fallback, column, record, directory, lookups, seen)
        shown = next((g for g in given if g is not None), "(none)")
        seen.unmapped[f"{rule.lookup}: {shown}"] += 1
        return None, False
    raw = next((v for v in (record.get(f) for f in rule.fields) if v is not None), None)
    if raw is None:
        return None, False
    if rule.after is not None:
        raw = raw.rsplit(rule.after, 1)[-1].strip() or None
        if raw is None:
            return None, False
    if rule.codes:
        code = rule.codes.get(raw.strip().lower())
        if code is None:
            seen.outside_codes[f"{column.name}: {raw.strip()[:40]}"] += 1
            return raw.strip(), False  # as given: the run quarantines it as unknown_code
        return code, False
    return _typed(raw, rule, column), False


def _typed(raw: str, rule: Rule, column: Column) -> Any:
    """A vendor's text as the column's type (a date in no format of the rule is unreadable)."""
    if column.type == "TIMESTAMPTZ":
        return parse_instant(raw, rule.timestamp or ("iso8601",), rule.zone, column.name)
    if column.type == "DATE":
        return parse_instant(raw, rule.timestamp or ("iso8601",), rule.zone, column.name).date()
    if column.type == "BOOLEAN":
        word = raw.strip().lower()
        if word in ("true", "yes", "y", "1", "t"):
            return True
        if word in ("false", "no", "n", "0", "f"):
            return False
        raise Unreadable(f"{column.name} {raw.strip()[:30]!r} is not yes or no")
    if column.type in ("INTEGER", "BIGINT"):
        try:
            return int(raw.strip())
        except ValueError:
            raise Unreadable(f"{column.name} {raw.strip()[:30]!r} is not a whole number") from None
    return raw


def parse_instant(raw: str, formats: tuple[str, ...], zone: str, name: str = "date") -> datetime:
    """An instant (UTC) from a vendor's text, by the first of ``formats`` that reads it:
    ``rfc2822`` (``Tue, 03 Nov 2025 17:06:18 +0000``), ``iso8601`` (with ``Z`` or an
    offset; a date alone is its midnight) or a strptime pattern; without an offset, the
    time is local to ``zone``."""
    text = raw.strip()
    for fmt in formats:
        found: datetime | None = None
        try:
            if fmt == "rfc2822":
                found = email.utils.parsedate_to_datetime(text)
            elif fmt == "iso8601":
                found = datetime.fromisoformat(text.replace(" UTC", "+00:00"))
            else:
                found = datetime.strptime(text, fmt)
        except (ValueError, TypeError, IndexError):
            continue
        if found.tzinfo is None:
            try:
                found = found.replace(tzinfo=ZoneInfo(zone))
            except (ZoneInfoNotFoundError, ValueError):
                raise MappingError(f"zone {zone!r} of {name} is not a time zone") from None
        return found.astimezone(UTC)
    raise Unreadable(f"{name} {text[:40]!r} is in none of the formats {', '.join(formats)}")
