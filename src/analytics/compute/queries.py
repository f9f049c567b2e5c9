"""A domain's SQL files, run one way: derived tables built on demand, fixed queries bound.

A domain keeps one query or derived table per ``.sql`` file and declares them once
(``Queries``). What a file reads and binds is read from the file itself, never restated:

- **reads**: the derived tables and views of its domain whose names the SQL mentions
  (comments and string literals aside); each is built first (``ensure``), with what it
  reads in turn;
- **binds**: its ``$name`` parameters, bound from the values every query may bind
  (``tz``; ``first`` and ``as_of``, the report month's first and last local day;
  ``span_first`` and ``span_last``, those of the months computed together), the domain's
  ``bindings`` (policy values) and the call's own ``params``, in that order;
- **says**: its opening comment, the description captions and docs show.

A derived table is built once per connection and rebuilt when its key moves: the policy
file's hash, the months computed (when it binds a month's date), what ``key`` adds, and the
keys of what it reads. A derived *table* may not read ``periods`` (the months a query sets):
that is a view's job, read again by every query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from analytics.business_days import build_calendar, calendar_span
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.sql import ident, read_sql, use_months, use_segment_grid, use_span

# what a query binds by name without declaring it, from the context
PERIOD_VALUES = ("first", "as_of", "span_first", "span_last")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMENT = re.compile(r"--[^\n]*")
_STRING = re.compile(r"'(?:[^']|'')*'")
# the month tables and macros a query sets (``use_months``): a table reading them is stale
_MONTHLY = {"periods", "month_of", "in_months", "segment_grid"}


def context_values(ctx: ReportContext) -> dict:
    """The values any query may bind by name: the time zone and the months' bounds."""
    span = ctx.span
    return {
        "tz": ctx.timezone,
        "first": ctx.period.first_day,
        "as_of": ctx.period.as_of,
        "span_first": span[0].first_day,
        "span_last": span[-1].as_of,
    }


def code_of(sql: str) -> str:
    """The SQL without its comments and string literals: what names it really reads."""
    return _STRING.sub("''", _COMMENT.sub("", sql))


def parameters_of(sql: str) -> tuple[str, ...]:
    """The ``$name`` parameters a SQL text binds, in order of first use."""
    return tuple(dict.fromkeys(_PARAMETER.findall(code_of(sql))))


def description_of(sql: str) -> str:
    """A SQL file's opening comment, as one paragraph: what it holds, in words."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return " ".join(lines)


@dataclass(frozen=True)
class Derived:
    """A derived table or view of a domain, named like its ``.sql`` file (a ``SELECT``;
    ``ensure`` wraps it in ``CREATE``), or filled from Python by ``build`` (policy values
    loaded as rows), or a business calendar over a ``span`` (``calendar``). ``key`` adds
    what else it depends on to its cache key (a calendar's year)."""

    name: str
    kind: Literal["table", "view"] = "table"
    build: Callable[[ReportContext], None] | None = None
    key: Callable[[ReportContext], Hashable] | None = None
    span: str | None = None  # a business calendar's: the query of the dates it must cover

    @property
    def has_sql(self) -> bool:
        """Whether it is made from its own ``.sql`` file (not from Python)."""
        return self.build is None and self.span is None


def view(name: str) -> Derived:
    """A derived view: read again by every query (a view over ``periods``, or over a
    table too big to copy for the few rows a list reads)."""
    return Derived(name, kind="view")


class Queries:
    """One domain's SQL files and derived tables, and the values its queries bind."""

    def __init__(
        self,
        package: str,
        derived: Sequence[Derived | str] = (),
        bindings: Callable[[ReportContext], Mapping[str, object]] | None = None,
        uses: Sequence[Queries] = (),
    ) -> None:
        self.package = package
        self.derived = {
            d.name: d for d in (Derived(x) if isinstance(x, str) else x for x in derived)
        }
        self.bindings = bindings
        self.uses = tuple(uses)  # another's derived tables its files read (a document's)
        self._reads: dict[str, tuple[str, ...]] = {}

    def sql(self, name: str) -> str:
        """The text of ``name.sql``."""
        return read_sql(self.package, name)

    def describe(self, name: str) -> str:
        """What ``name.sql`` holds, from its opening comment."""
        return description_of(self.sql(name))

    def reads(self, name: str) -> tuple[str, ...]:
        """The derived tables and views of this domain (or one it uses) that ``name``
        reads; another's derived table reads what its owner says."""
        if name not in self.derived and any(name in q.derived for q in self.uses):
            return self._owner(name).reads(name)
        return self._reads[name] if name in self._reads else self._find_reads(name)

    def _find_reads(self, name: str) -> tuple[str, ...]:
        d = self.derived.get(name)
        if d is not None and not d.has_sql:
            found: tuple[str, ...] = ()
        else:
            words = set(_WORD.findall(code_of(self.sql(name))))
            known = [*self.derived, *(n for q in self.uses for n in q.derived)]
            found = tuple(n for n in known if n in words and n != name)
            if d is not None and d.kind == "table" and words & _MONTHLY:
                raise ValueError(f"{name}.sql reads the months a query sets: make it a view")
        self._reads[name] = found
        return found

    def reads_months(self, name: str) -> bool:
        """Whether ``name.sql``, or a view it reads, reads the months a query sets."""
        if name not in self.derived and any(name in q.derived for q in self.uses):
            return self._owner(name).reads_months(name)
        d = self.derived.get(name)
        if d is not None and (not d.has_sql or d.kind == "table"):
            return False
        own = set(_WORD.findall(code_of(self.sql(name)))) & (_MONTHLY - {"segment_grid"})
        return bool(own) or any(self.reads_months(r) for r in self.reads(name))

    def binds_months(self, name: str) -> bool:
        """Whether a derived table's SQL binds a month's date (its key is then the
        months computed)."""
        d = self.derived[name]
        return d.has_sql and bool(set(parameters_of(self.sql(name))) & set(PERIOD_VALUES))

    def values(self, ctx: ReportContext, name: str, params: Mapping | None = None) -> dict:
        """What ``name.sql`` binds: each of its parameters from the call's ``params``,
        else the domain's ``bindings``, else the context's values."""
        wanted = parameters_of(self.sql(name))
        if not wanted:
            return {}
        known = {**context_values(ctx), **(self.bindings(ctx) if self.bindings else {})}
        known.update(params or {})
        missing = [w for w in wanted if w not in known]
        if missing:
            raise KeyError(f"{self.package}.{name}.sql binds {', '.join(missing)}: not given")
        return {w: known[w] for w in wanted}

    def _owner(self, name: str) -> Queries:
        """Whose derived table ``name`` is: this domain's, or one it uses."""
        if name in self.derived:
            return self
        return next(q for q in self.uses if name in q.derived)

    def _key(self, ctx: ReportContext, name: str) -> Hashable:
        if name not in self.derived:
            return self._owner(name)._key(ctx, name)
        d = self.derived[name]
        return (
            ctx.policy.sha256,
            tuple(str(p) for p in ctx.span) if self.binds_months(name) else None,
            d.key(ctx) if d.key else None,
            tuple(self._key(ctx, r) for r in self.reads(name)),
        )

    def ensure(self, ctx: ReportContext, name: str) -> None:
        """Build the derived table ``name`` (and what it reads) on the context's
        connection, unless it is there already for the same key."""
        if name not in self.derived:
            self._owner(name).ensure(ctx, name)
            return
        for dependency in self.reads(name):
            self.ensure(ctx, dependency)
        key = self._key(ctx, name)
        if ctx.export.built.get(name) == key:
            return
        d = self.derived[name]
        if d.build is not None:
            d.build(ctx)
        elif d.span is not None:
            lo, hi = self.one(ctx, d.span)
            first, last = calendar_span(lo, max(filter(None, [hi, ctx.period.as_of])))
            build_calendar(ctx.export.con, ctx.policy, name, first, last)
        else:
            kind = "TABLE" if d.kind == "table" else "VIEW"
            ctx.export.con.execute(
                f"CREATE OR REPLACE TEMP {kind} {ident(name)} AS\n" + self.sql(name),
                self.values(ctx, name) or None,
            )
        ctx.export.built[name] = key

    def run(
        self,
        ctx: ReportContext,
        name: str,
        params: Mapping | None = None,
        *,
        months: Sequence[Period] | None = None,
        grid: tuple[str, str] | None = None,
        months_set: bool = False,
    ) -> pd.DataFrame:
        """Run the query ``name.sql``: what it reads built first, its parameters bound.

        ``months``: the months it reads (``use_months``; default: the report's month, if
        it reads months at all); ``months_set``: read the ``periods`` already set (a
        document's span of days, ``use_span``); ``grid``: the (table, column) whose
        values, plus ``all``, make its segment grid (``use_segment_grid``).
        """
        if months or (not months_set and (grid is not None or self.reads_months(name))):
            set_months(ctx, list(months or [ctx.period]))
        for derived in self.reads(name):
            self.ensure(ctx, derived)
        if grid is not None:
            if grid[0] in self.derived:  # a grid over a derived table's values
                self.ensure(ctx, grid[0])
            _set_grid(ctx, *grid)
        return ctx.export.con.execute(self.sql(name), self.values(ctx, name, params) or None).df()

    def one(self, ctx: ReportContext, name: str, params: Mapping | None = None) -> tuple:
        """The one row of ``name.sql`` as Python values (dates as dates): a log's span."""
        for derived in self.reads(name):
            self.ensure(ctx, derived)
        sql, values = self.sql(name), self.values(ctx, name, params) or None
        found = ctx.export.con.execute(sql, values).fetchone()
        assert found is not None, name
        return found


def set_months(ctx: ReportContext, months: list[Period]) -> None:
    """Make ``months`` the months the next queries read (``use_months``), unless they are
    already: a month's figures set the same month a dozen times."""
    key = ("months", ctx.timezone, tuple(str(p) for p in months))
    if ctx.export.built.get("periods") != key:
        use_months(ctx.export.con, ctx.timezone, months)
        ctx.export.built["periods"] = key
        ctx.export.built.pop("segment_grid", None)


def set_span(ctx: ReportContext, label: str, first: date, as_of: date) -> None:
    """Make one span of local days the ``periods`` the next query reads (``use_span``)."""
    use_span(ctx.export.con, ctx.timezone, label, first, as_of)
    ctx.export.built["periods"] = ("span", ctx.timezone, label, first, as_of)
    ctx.export.built.pop("segment_grid", None)


def _set_grid(ctx: ReportContext, table: str, column: str) -> None:
    """The segment grid of the months set and ``table.column``'s values (``use_segment_grid``),
    unless it is there already for the same months and the same build of the table."""
    key = ("grid", table, column, ctx.export.built.get("periods"), ctx.export.built.get(table))
    if ctx.export.built.get("segment_grid") != key:
        use_segment_grid(ctx.export.con, table, column)
        ctx.export.built["segment_grid"] = key


def calendar(name: str, span: str) -> Derived:
    """A business-day calendar ``name`` (``business_days.build_calendar``) from the first
    date the query ``span.sql`` gives to two years past the later of its last date and the
    report's as-of date: built again only when the as-of date's year changes."""
    return Derived(name, span=span, key=lambda ctx: ctx.period.as_of.year)


def load_rows(ctx: ReportContext, table: str, columns: dict[str, str], rows: list[tuple]) -> None:
    """(Re)create ``table`` with ``columns`` (name: type) holding ``rows``: policy values
    loaded as a table, for a ``Derived`` whose ``build`` reads the policy."""
    con = ctx.export.con
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(table)} ("
        + ", ".join(f"{ident(c)} {t}" for c, t in columns.items())
        + ")"
    )
    if rows:
        con.executemany(
            f"INSERT INTO {ident(table)} VALUES ({', '.join('?' * len(columns))})", rows
        )
