"""Derived tables and views, declared once and built on demand, and the fixed queries.

A domain declares each table or view it derives from the export (``Derived``: name, SQL
file, view or table, what it depends on) and runs its ``.sql`` files with ``query``.
``ensure`` builds a derived table once per connection and rebuilds it when its key moves:
the policy file's hash, the period where it matters, and its dependencies' keys.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.sql import ident, read_sql, use_months, use_segment_grid


@dataclass(frozen=True)
class Derived:
    """A derived table or view, declared once: its name, where its SQL is, what it needs.

    ``package`` holds ``NAME.sql`` (a ``SELECT``; ``ensure`` wraps it in ``CREATE``);
    ``build`` instead fills it from Python (policy values loaded as rows). ``params`` gives
    what a table's SQL binds (a view cannot bind: its values come from a one-row table it
    depends on). ``key`` adds what else it depends on to the cache key, besides the policy
    file's hash and its dependencies' keys; ``per_period`` adds the months the context
    computes (``ReportContext.span``: the report's period, or the months of one pass).
    """

    name: str
    kind: Literal["table", "view"] = "table"
    package: str | None = None
    depends: tuple[Derived, ...] = ()
    params: Callable[[ReportContext], dict] | None = None
    build: Callable[[ReportContext], None] | None = None
    key: Callable[[ReportContext], Hashable] | None = None
    per_period: bool = False


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


def _cache_key(ctx: ReportContext, derived: Derived) -> Hashable:
    return (
        ctx.policy.sha256,
        tuple(str(p) for p in ctx.span) if derived.per_period else None,
        derived.key(ctx) if derived.key else None,
        tuple(_cache_key(ctx, d) for d in derived.depends),
    )


def ensure(ctx: ReportContext, derived: Derived) -> None:
    """Build ``derived`` (and what it depends on) on the context's connection, unless it is
    there already for the same period and policy."""
    for dependency in derived.depends:
        ensure(ctx, dependency)
    key = _cache_key(ctx, derived)
    if ctx.export.built.get(derived.name) == key:
        return
    if derived.build is not None:
        derived.build(ctx)
    else:
        assert derived.package is not None, derived.name
        kind = "TABLE" if derived.kind == "table" else "VIEW"
        ctx.export.con.execute(
            f"CREATE OR REPLACE TEMP {kind} {ident(derived.name)} AS\n"
            + read_sql(derived.package, derived.name),
            derived.params(ctx) if derived.params else None,
        )
    ctx.export.built[derived.name] = key


def query(
    ctx: ReportContext,
    package: str,
    name: str,
    params: dict | None = None,
    *,
    needs: Sequence[Derived] = (),
    months: Sequence[Period] | None = None,
    grid: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Run the fixed query ``name.sql`` of ``package`` with ``params`` bound.

    ``needs``: the derived tables it reads (``ensure``d first); ``months``: the months it
    reads (``use_months``); ``grid``: the (table, column) whose values, plus ``all``, make
    its segment grid (``use_segment_grid``).
    """
    if months is not None:  # first: a derived view may read the months (``periods``)
        use_months(ctx.export.con, ctx.timezone, months)
    for derived in needs:
        ensure(ctx, derived)
    if grid is not None:
        use_segment_grid(ctx.export.con, *grid)
    return ctx.export.con.execute(read_sql(package, name), params or None).df()
