"""A mapping from a vendor's records to contract rows, declared in TOML and read here.

One machinery, many presets (``presets/*.toml``: Twilio, Mailchimp, Klaviyo, FHIR audit
events) and any file
a clinic writes for its own CSV reports (kind ``columns``). A mapping names the contract
table it writes, the records that are not rows (``[[skip]]``), and one
or more ``[[rows]]`` blocks (a record may give several rows: a Mailchimp contact's opt-in
and its unsubscribe), each with a rule per contract column:

- ``field = "sid"`` (or a list: the first present), optionally with ``codes`` (the
  vendor's value -> the contract's code), ``timestamp`` (formats: ``rfc2822``,
  ``iso8601`` or strptime patterns) and ``zone`` (for timestamps written without one);
- ``value = "sms"``: a constant;
- ``phone = "from"`` / ``email = "Email Address"``: the patient found in the directory by
  that field, else a pseudonymous id (a keyed hash: never the number or address in clear);
- ``lookup = "purposes"`` with ``keys``: a value from the table the user gives for it;
- ``id_from = ["Email Address", "UNSUB_TIME"]`` with ``prefix``: an id made of a keyed
  hash of those fields (a record whose vendor gives no id; the address never shows);
- ``after = "/"``: with ``field``, the text after the last ``/`` (a FHIR reference's id);
- ``fallback = { ... }``: with ``lookup``, the rule used when the lookup finds nothing;
- ``by = "direction"`` with ``cases``: a rule chosen by a column computed before it (a
  case left out gives no value).

Values from the file are never written into SQL: the mapping runs in Python, record by
record, and only the contract rows it makes reach DuckDB, as bound values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from analytics.contract import TABLES_BY_NAME, Column, Table
from analytics.errors import UsageError

PRESETS = ("twilio", "mailchimp", "klaviyo", "fhir-audit")
RULE_KEYS = {
    "field",
    "codes",
    "timestamp",
    "zone",
    "value",
    "phone",
    "email",
    "lookup",
    "keys",
    "id_from",
    "prefix",
    "after",
    "fallback",
}


class MappingError(UsageError):
    """A mapping file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class Rule:
    """How one contract column is made from a record (see the module's docstring)."""

    fields: tuple[str, ...] = ()
    codes: dict[str, str] = field(default_factory=dict)
    timestamp: tuple[str, ...] = ()
    zone: str = "UTC"
    value: str | None = None
    phone: str | None = None
    email: str | None = None
    lookup: str | None = None
    keys: tuple[str, ...] = ()
    by: str | None = None
    cases: dict[str, Rule] = field(default_factory=dict)
    id_from: tuple[str, ...] = ()
    prefix: str = ""
    after: str | None = None  # keep the text after the last one of these ("Patient/456")
    fallback: Rule | None = None  # a lookup's rule when the lookup finds nothing


@dataclass(frozen=True)
class RowsBlock:
    """One kind of row a record gives: made when every field of ``when`` has a value."""

    columns: dict[str, Rule]
    when: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skip:
    """Records that are not rows: ``field`` holds one of ``values`` (ignoring case), or,
    given ``other_than``, any value but those."""

    field: str
    values: tuple[str, ...]
    reason: str
    other_than: bool = False

    def applies(self, value: str | None) -> bool:
        found = (value or "").strip().lower() in self.values
        return not found if self.other_than else found


@dataclass(frozen=True)
class Mapping:
    """A whole mapping: its kind, the table it writes, its skips and its row blocks."""

    kind: str
    table: Table
    rows: tuple[RowsBlock, ...]
    skips: tuple[Skip, ...] = ()
    list_key: str | None = None  # a JSON file holding a list of records under this key
    bundle: bool = False  # a FHIR Bundle: the records are its entries' resources
    cannot_know: tuple[str, ...] = ()
    source: str = ""  # where it was read from, for messages

    @property
    def lookups(self) -> set[str]:
        """The lookup tables its rules read (each given by an option)."""
        found = set()
        for block in self.rows:
            for rule in block.columns.values():
                for r in (rule, *rule.cases.values()):
                    if r.lookup:
                        found.add(r.lookup)
        return found


def preset_text(kind: str) -> str:
    """The text of a shipped preset (its documentation too)."""
    return (resources.files(__package__) / "presets" / f"{kind}.toml").read_text(encoding="utf-8")


def load_mapping(kind: str, path: Path | None = None) -> Mapping:
    """The preset ``kind``, or, for kind ``columns``, the mapping file ``path``."""
    if kind == "columns":
        if path is None:
            raise UsageError("import columns needs --mapping FILE (see docs/imports.md)")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot read mapping file {path}: {e.strerror}") from None
        where = f"mapping file {path}"
    elif kind in PRESETS:
        if path is not None:
            raise UsageError(f"--mapping is for kind columns; {kind} has its own (a preset)")
        text, where = preset_text(kind), f"the {kind} preset"
    else:
        raise UsageError(f"kind {kind!r} is not one of {', '.join((*PRESETS, 'columns'))}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MappingError(f"{where} is not valid TOML: {e}") from None
    return parse_mapping(data, where)


def parse_mapping(data: dict, where: str) -> Mapping:
    """Check and type a mapping read from TOML; every problem names its key."""
    _only(data, {"kind", "table", "rows", "skip", "list_key", "bundle", "cannot_know"}, where)
    table = TABLES_BY_NAME.get(str(data.get("table")))
    if table is None:
        raise MappingError(f"{where}: table {data.get('table')!r} is not a contract table")
    blocks = data.get("rows")
    if not isinstance(blocks, list) or not blocks:
        raise MappingError(f"{where}: give at least one [[rows]] block with its columns")
    rows = tuple(_block(b, table, f"{where}: [[rows]] {i + 1}") for i, b in enumerate(blocks))
    skips = tuple(
        Skip(
            str(s["field"]),
            tuple(str(v).lower() for v in s.get("values", s.get("other_than", []))),
            str(s["reason"]),
            other_than="other_than" in s,
        )
        for s in _list_of_tables(data.get("skip", []), f"{where}: [[skip]]", {"field", "reason"})
    )
    return Mapping(
        kind=str(data.get("kind", "columns")),
        table=table,
        rows=rows,
        skips=skips,
        list_key=data.get("list_key"),
        bundle=bool(data.get("bundle", False)),
        cannot_know=tuple(str(x) for x in data.get("cannot_know", [])),
        source=where,
    )


def _list_of_tables(value: Any, where: str, keys: set[str]) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MappingError(f"{where} must be a list of tables")
    for v in value:
        missing = keys - set(v)
        if missing:
            raise MappingError(f"{where}: missing {', '.join(sorted(missing))}")
    return value


def _only(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise MappingError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _block(data: Any, table: Table, where: str) -> RowsBlock:
    if not isinstance(data, dict):
        raise MappingError(f"{where} must be a table")
    _only(data, {"columns", "when"}, where)
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError(f"{where}: give its columns ([rows.columns])")
    rules: dict[str, Rule] = {}
    for name, given in columns.items():
        try:
            column = table.column(name)
        except KeyError:
            raise MappingError(
                f"{where}: {name!r} is not a column of {table.name} "
                f"(its columns: {', '.join(table.column_names)})"
            ) from None
        rule = _rule(given, column, f"{where}: columns.{name}")
        if rule.by is not None and rule.by not in rules:
            raise MappingError(
                f"{where}: columns.{name} is chosen by {rule.by!r}, which must be a column "
                "given before it"
            )
        rules[name] = rule
    missing = [c.name for c in table.columns if c.required and c.name not in rules]
    if missing:
        raise MappingError(f"{where}: no rule for required column(s) {', '.join(missing)}")
    when = data.get("when", [])
    return RowsBlock(rules, tuple([when] if isinstance(when, str) else when))


def _rule(given: Any, column: Column, where: str, nested: bool = False) -> Rule:
    if not isinstance(given, dict):
        raise MappingError(f'{where} must be a table (e.g. {{ field = "sid" }})')
    if "by" in given:
        if nested:
            raise MappingError(f"{where}: a case cannot be chosen by another column")
        _only(given, {"by", "cases"}, where)
        cases = given.get("cases")
        if not isinstance(cases, dict):
            raise MappingError(f"{where}: give its cases ({{ value = rule, ... }})")
        return Rule(
            by=str(given["by"]),
            cases={str(k): _rule(v, column, f"{where}.cases.{k}", True) for k, v in cases.items()},
        )
    _only(given, RULE_KEYS, where)
    kinds = [k for k in ("field", "value", "phone", "email", "lookup", "id_from") if k in given]
    if len(kinds) != 1:
        raise MappingError(f"{where}: give one of field, value, phone, email, lookup or id_from")
    fields = given.get("field", ())
    fields = (fields,) if isinstance(fields, str) else tuple(str(f) for f in fields)
    timestamp = given.get("timestamp", ())
    timestamp = (timestamp,) if isinstance(timestamp, str) else tuple(timestamp)
    if column.type in ("TIMESTAMPTZ", "DATE") and fields and not timestamp:
        timestamp = ("iso8601",)
    codes = {str(k).strip().lower(): str(v) for k, v in given.get("codes", {}).items()}
    given_codes = [v for v in (*codes.values(), given.get("value")) if v]
    if column.code_list:  # each element of a comma-separated list is a code
        given_codes = [e.strip() for v in given_codes for e in str(v).split(",")]
    bad = sorted(str(v) for v in given_codes if column.codes and v not in column.codes)
    if bad:
        raise MappingError(
            f"{where}: {bad[0]!r} is not a code of {column.name} ({', '.join(column.codes)})"
        )
    keys = given.get("keys", ())
    return Rule(
        fields=fields,
        codes=codes,
        timestamp=timestamp,
        zone=str(given.get("zone", "UTC")),
        value=None if given.get("value") is None else str(given["value"]),
        phone=given.get("phone"),
        email=given.get("email"),
        lookup=given.get("lookup"),
        keys=(keys,) if isinstance(keys, str) else tuple(keys),
        id_from=tuple(str(f) for f in given.get("id_from", ())),
        prefix=str(given.get("prefix", "")),
        after=given.get("after"),
        fallback=_rule(given["fallback"], column, f"{where}.fallback", True)
        if "fallback" in given
        else None,
    )
