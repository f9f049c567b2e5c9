"""The compliance policy: deadlines, keyword lists, retention years, targets, as data.

The shipped ``policy.toml`` holds the defaults of ``shared/spec/policy-defaults.md``,
each with its legal source. A clinic may pass its own file; every report records which
file (and its SHA-256) it applied.

The file is read once into typed sections: ``[clinic]`` and ``[business_days]`` here, and
one section per domain, whose dataclass the domain declares (``analytics.registry.
load_policy`` reads a file with every registered domain's). A missing or misspelt key is
a ``PolicyError`` naming it when the file is loaded, never a ``KeyError`` in a report.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import math
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.errors import UsageError
from analytics.files import read_toml

T = TypeVar("T")


class PolicyError(UsageError):
    """A policy file that cannot be used: the message names the file and the key."""


_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# The largest whole number a key may hold, by what it counts (the end of its name): a
# deadline of more than ten years is a typing mistake, and one of 9223372036854775807
# days overflows every date it is added to.
INT_LIMITS = (
    ("_minutes", 60 * 24 * 3650),
    ("_hours", 24 * 3650),
    ("days", 3650),
    ("extension", 3650),
    ("_months", 120),
    ("_years", 100),
    ("_age", 150),
)
INT_LIMIT = 1_000_000_000  # any other count (individuals, patients a day)


def int_limit(name: str) -> int:
    """The largest value the whole-number key ``name`` may hold."""
    return next((limit for end, limit in INT_LIMITS if name.endswith(end)), INT_LIMIT)


def has_word(text: str) -> bool:
    """Whether a keyword or phrase holds a letter or a digit (``%`` or ``*`` alone would
    match every reply)."""
    return re.search(r"[^\W_]", text) is not None


def check_clocks(section: object, *names: str) -> None:
    """Refuse a section whose named fields are not times of day written HH:MM."""
    for name in names:
        value = getattr(section, name)
        if not _CLOCK.match(value):
            raise ValueError(f"{name} {value!r} is not a time written HH:MM")


@dataclass(frozen=True)
class Target:
    """A leadership tile: a metric, its segment (or '*' for each one), and its colours.

    Green when the figure meets ``green``, amber when it meets ``amber``, red otherwise;
    ``better`` says which direction is good.
    """

    metric: str
    label: str
    better: Literal["higher", "lower"]
    green: float
    amber: float
    rule: str
    segment: str = "all"
    unit: Literal["rate", "count", "days", "hours"] = "count"
    target_text: str = ""
    # the overview's sentence when the figure is off target: {value} (as shown) and
    # {segment}; ``sentence_one`` when a count is exactly 1 (singular wording)
    sentence: str = ""
    sentence_one: str = ""
    # the heading of its report page that explains the figure (the overview links to it)
    section: str = ""
    # how urgent a figure off target is against the others: the overview ranks what needs
    # action by how far past its amber limit each figure is, times this weight
    weight: float = 1.0
    # who acts when it is off target: a role, never a person's name (the overview says it)
    owner: str = "Privacy officer"
    # "legal": a law or the notice's promise sets it; "internal": the clinic's own target
    # (the overview lists a legal rule missed before an internal target missed)
    obligation: Literal["legal", "internal"] = "legal"
    # a rate's shortfall in people's words, ``shortfall`` with {n} (short of the rule) of
    # {m}, the ``population`` metric's value in the same segment ("1 of 6 answered late")
    population: str = ""
    shortfall: str = ""

    def __post_init__(self) -> None:
        if bool(self.population) != bool(self.shortfall):
            raise ValueError(
                f"target {self.metric}: population and shortfall go together (the metric "
                "counting the people, and the words for those short of the rule)"
            )
        if self.unit == "rate" and not (0 <= self.green <= 1 and 0 <= self.amber <= 1):
            raise ValueError(
                f"target {self.metric}: green and amber of a rate are shares from 0 to 1 "
                f"(0.95 is 95 %), not {self.green} and {self.amber}"
            )
        if self.green < 0 or self.amber < 0:
            raise ValueError(f"target {self.metric}: green and amber may not be negative")
        if self.weight <= 0:
            raise ValueError(f"target {self.metric}: weight must be more than 0")


@dataclass(frozen=True)
class Clinic:
    """Who the reports are for, and the time zone every calendar question is answered in."""

    name: str
    timezone: str
    address: str = ""
    timezone_source: str = ""
    # the overview's "due in the next N days": every deadline the suite follows (breach
    # notices, requests, destruction, complaints, training) due within this many days
    due_soon_days: int = 30
    due_soon_source: str = ""

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {self.timezone!r} is not a time zone") from None
        if not 1 <= self.due_soon_days <= 366:
            raise ValueError(f"due_soon_days must be 1 to 366 days, not {self.due_soon_days}")


@dataclass(frozen=True)
class BusinessDays:
    """Monday to Friday less the holidays of this calendar (python-holidays)."""

    holiday_country: str
    source: str
    holiday_subdivision: str = ""
    holiday_categories: list[str] = field(default_factory=lambda: ["public"])


@dataclass(frozen=True)
class Policy:
    """A loaded policy file, where it came from, and its typed sections."""

    path: str
    sha256: str
    data: dict  # the file as read, for the record and for independent checks
    clinic: Clinic
    business_days: BusinessDays
    sections: Mapping[str, Any]

    @property
    def timezone(self) -> str:
        return self.clinic.timezone

    @property
    def clinic_name(self) -> str:
        return self.clinic.name

    def section(self, name: str, kind: type[T]) -> T:
        """The typed section ``[name]`` (a domain's own settings)."""
        found = self.sections.get(name)
        if not isinstance(found, kind):
            raise PolicyError(f"policy file {self.path}: no section [{name}] was read")
        return found

    def targets(self, name: str) -> list[Target]:
        """The leadership targets of section ``[name]`` (none if it declares none)."""
        return list(getattr(self.sections.get(name), "targets", []))

    def target(self, metric: str, segment: str = "all") -> Target | None:
        """The target of ``metric`` for ``segment`` (one for every segment, '*', else)."""
        found = [t for s in self.sections.values() for t in getattr(s, "targets", [])]
        mine = [t for t in found if t.metric == metric]
        return next((t for t in mine if t.segment == segment), None) or next(
            (t for t in mine if t.segment == "*"), None
        )

    def text(self, template: str, **values: object) -> str:
        """``template`` with its policy values filled in: ``{requests.acknowledgment.days}``
        names a section's value (``{clinic.name}`` the clinic's), so that words a reader
        sees ("within 10 business days") say what this policy file holds."""
        return template.format(**self.sections, clinic=self.clinic, **values)


def default_policy_path() -> Path:
    """The policy file shipped inside the package."""
    return Path(str(resources.files("analytics") / "policy.toml"))


def clinic_timezone(path: str | Path | None) -> str:
    """The ``[clinic]`` time zone of a policy file (default: the shipped one), read alone:
    what validating an export needs of the policy (``loading.open_export``)."""
    p = Path(path).expanduser() if path else default_policy_path()
    data = read_toml(p, "policy file", PolicyError)
    where = f"policy file {p}: [clinic]"
    return read_section(_table(data, "clinic", f"policy file {p}"), Clinic, where).timezone


def read_policy(
    path: str | Path | None,
    sections: Mapping[str, type],
    check: Callable[[dict], list[str]] | None = None,
) -> Policy:
    """Read and check a policy file (default: the shipped one).

    ``sections`` maps each domain's section name to its dataclass; ``check`` lists every
    problem of the file at once (its schema's); the registry's ``load_policy`` passes
    every registered domain's (use that one).
    """
    p = Path(path).expanduser() if path else default_policy_path()
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise PolicyError(f"cannot read policy file {p}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PolicyError(f"policy file {p} is not valid TOML: {e}") from None
    sections = dict(sections)
    where = f"policy file {p}"
    if "targets" in data and "targets" not in sections:
        raise PolicyError(
            f"{where}: top-level [[targets]] are no longer read: move each target under its "
            "domain's section, e.g. [[requests.targets]], and drop its 'report' key"
        )
    found = check(data) if check else []
    if found:
        count = f"{len(found)} problem{'s' if len(found) != 1 else ''}"
        raise PolicyError(f"{where}: {count}: " + "; ".join(found))
    _refuse_unknown(data, ["clinic", "business_days", *sections], where, "section")
    typed: dict[str, Any] = {
        name: read_section(_table(data, name, where), kind, f"{where}: [{name}]")
        for name, kind in sections.items()
    }
    return Policy(
        path=str(p),
        sha256=hashlib.sha256(raw).hexdigest(),
        data=data,
        clinic=read_section(_table(data, "clinic", where), Clinic, f"{where}: [clinic]"),
        business_days=read_section(
            _table(data, "business_days", where), BusinessDays, f"{where}: [business_days]"
        ),
        sections=types.MappingProxyType(typed),
    )


def _table(data: dict, name: str, where: str) -> dict:
    value = data.get(name)
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: section [{name}] is missing")
    return value


def _refuse_unknown(data: dict, known: list[str], where: str, what: str) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PolicyError(f"{where}: unknown {what} {key!r}{hint}")


def read_section(data: Any, kind: type[T], where: str) -> T:
    """``data`` (a TOML table) as the dataclass ``kind``, checked key by key.

    Every field without a default must be present, no other key may be, and each value
    must have its field's type: ``int`` a whole number (not a boolean), ``float`` any
    number, ``str``, ``bool``, ``list[X]``, ``dict[str, X]``, or a nested dataclass.
    The dataclass's own ``__post_init__`` checks (raising ``ValueError``) name the place.
    """
    if not isinstance(data, dict):
        raise PolicyError(f"{where} must be a table")
    hints = typing.get_type_hints(kind)
    fields = {f.name: f for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    _refuse_unknown(data, list(fields), where, "key")
    values = {}
    for name, f in fields.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise PolicyError(f"{where} lacks {name!r}")
            continue
        values[name] = _value(
            data[name],
            hints[name],
            f"{where} {name}",
            tuple(f.metadata.get("choices", ())),
            int_limit(name),
        )
    try:
        return kind(**values)
    except ValueError as e:
        raise PolicyError(f"{where}: {e}") from None


def _value(value: Any, hint: Any, where: str, choices: tuple = (), limit: int = INT_LIMIT) -> Any:
    """One value checked against its type hint (see ``read_section``); ``choices``: the
    values a text (or each text of a list) may take; ``limit``: the largest whole number."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise PolicyError(f"{where} is {value!r}, not one of {', '.join(map(repr, allowed))}")
        return value
    if dataclasses.is_dataclass(hint):
        return read_section(value, hint, where)  # type: ignore[arg-type]
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise PolicyError(f"{where} must be a list")
        return [
            _value(v, item, f"{where} entry {i}", choices, limit)
            for i, v in enumerate(value, start=1)
        ]
    if origin is dict:
        _, item = typing.get_args(hint)
        if not isinstance(value, dict):
            raise PolicyError(f"{where} must be a table")
        return {k: _value(v, item, f"{where}.{k}") for k, v in value.items()}
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise PolicyError(f"{where} must be a whole number, 0 or more")
        if value > limit:
            raise PolicyError(f"{where} is {value}: it may be at most {limit:,}")
        return value
    if hint is float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise PolicyError(f"{where} must be a number")
        if not math.isfinite(value):
            raise PolicyError(f"{where} is {value}: it must be a finite number")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise PolicyError(f"{where} must be text")
        if choices and value not in choices:
            raise PolicyError(f"{where} is {value!r}, not one of {', '.join(choices)}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise PolicyError(f"{where} must be true or false")
        return value
    raise TypeError(f"{where}: the policy reader has no rule for {hint!r}")


def json_schema(kind: type) -> dict:
    """The JSON Schema of a policy section's dataclass, by the rules of ``read_section``:
    every field without a default required, no other key, each value of its type."""
    hints = typing.get_type_hints(kind)
    fields = dataclasses.fields(kind)
    return {
        "type": "object",
        "description": (kind.__doc__ or "").strip().split("\n")[0],
        "properties": {
            f.name: _schema_of(
                hints[f.name], tuple(f.metadata.get("choices", ())), int_limit(f.name)
            )
            for f in fields
        },
        "required": [
            f.name
            for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ],
        "additionalProperties": False,
    }


def _schema_of(hint: Any, choices: tuple = (), limit: int = INT_LIMIT) -> dict:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return json_schema(hint)  # type: ignore[arg-type]
    if origin is Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin is list:
        return {"type": "array", "items": _schema_of(typing.get_args(hint)[0], choices, limit)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(typing.get_args(hint)[1])}
    if hint is int:
        return {"type": "integer", "minimum": 0, "maximum": limit}
    if hint is float:
        return {"type": "number"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is str:
        return {"type": "string", "enum": list(choices)} if choices else {"type": "string"}
    raise TypeError(f"no JSON Schema for {hint!r}")
