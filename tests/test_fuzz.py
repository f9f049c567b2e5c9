"""Hostile exports, fuzzed: every one either stops with a clear error, or validates with
rows read = used + quarantined and yields figures inside their domains."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analytics.contract import TABLES
from analytics.errors import ExportError
from analytics.loading.context import ReportContext
from analytics.loading.loader import open_export
from analytics.period import Period, PeriodError
from analytics.presentation.worklist import to_csv
from analytics.registry import load_policy, open_report
from analytics.run.metrics_json import compute_all, document, shape_problems
from helpers import BASE_ROWS, write_export

# long fuzzing (about 50 s of two workers' minute): `make test` runs it, `make test-fast`
# leaves it out, as it leaves out kernels, browsers and child processes
pytestmark = pytest.mark.slow

HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://example.invalid","x")',
    "@SUM(A1:A2)",
    "+cmd|' /C calc'!A0",
    "Ünïcødé ☃ 患者 🙂",
    "x" * 5000,
    "'; DROP TABLE requests; --",
    "STOP",
    "help",
    " ",
    "",
]
EDGE_TIMES = [
    "1900-01-01 00:00:00",
    "2100-12-31 23:59:59",
    "2026-03-08 10:30:00",  # 02:30 in Los Angeles would not exist (DST gap), as UTC it does
    "2026-11-01 09:30:00",  # 01:30 in Los Angeles happens twice (DST overlap)
    "2026-10-31 23:59:59-07:00",
    "2026-10-15 12:00:00",
    "2026-02-29 00:00:00",  # not a date
    "not a time",
]
CODE_NOISE = ["FAX", " Sms ", "opt-in", "???"]


def value_for(column) -> st.SearchStrategy:
    """Anything a hostile export might hold in this column."""
    options = [st.none(), st.sampled_from(HOSTILE_TEXT)]
    if column.codes:
        options.append(st.sampled_from(list(column.codes) + CODE_NOISE))
        if column.code_list:
            options.append(
                st.lists(st.sampled_from(column.codes), min_size=1, max_size=3).map(",".join)
            )
    elif column.type == "TIMESTAMPTZ":
        options.append(st.sampled_from(EDGE_TIMES))
    elif column.type == "DATE":
        options.append(st.sampled_from(["1900-01-01", "2100-12-31", "2008-02-29", "2026-13-01"]))
    elif column.type == "BOOLEAN":
        options.append(st.sampled_from(["true", "false", "yes", "2"]))
    elif column.name.endswith("_id"):
        options.append(st.sampled_from(["A", "B", "C", "P1"]))  # duplicate and conflicting ids
    return st.one_of(options)


def column_for(table, column) -> st.SearchStrategy:
    """Mostly the valid base value (so rows survive and reach the metrics), else hostile.

    Free-text columns always carry hostile text when they are valid."""
    if column.name == table.id_column:
        return st.sampled_from(["A", "B", "C", "D", "E", "F"])
    base = BASE_ROWS[table.name][column.name]
    valid = st.just(None if base is None else str(base))
    if column.type == "VARCHAR" and not column.codes and not column.name.endswith("_id"):
        valid = st.sampled_from(HOSTILE_TEXT[:7])
    return st.one_of(valid, valid, value_for(column))


def rows_for(table) -> st.SearchStrategy:
    return st.lists(
        st.fixed_dictionaries({c.name: column_for(table, c) for c in table.columns}),
        max_size=6,
    )


export_tables = st.fixed_dictionaries({t.name: rows_for(t) for t in TABLES})


def open_october(source) -> ReportContext:
    """October 2026 over the export; when the export does not cover it, the refusal is the
    clear one, and the figures are still computed (over the export opened directly)."""
    try:
        return open_report(source, "2026-10")
    except PeriodError as e:
        assert "before the export's first record" in str(e) or "holds no dated rows" in str(e)
    policy = load_policy(None)
    export = open_export(source)
    return ReportContext(export, policy, Period(2026, 10), "leadership", datetime.now(UTC))


def check_figures(source) -> None:
    ctx = open_october(source)
    try:
        for s in ctx.export.tables.values():
            assert s.rows_read == s.rows_used + s.rows_quarantined, s.table
        used = any(x.rows_used for x in ctx.export.tables.values())
        event(f"rows used: {'some' if used else 'none'}")
        rows = compute_all(ctx)
        doc = document(ctx, rows, datetime.now(UTC))
        assert shape_problems(doc) == []
        for m in rows:
            v = m["value"]
            assert v is None or v >= 0, m
        from analytics.registry import DOMAINS

        for domain in DOMAINS:
            for frame in domain.work_lists(ctx).values():
                for line in to_csv(frame).splitlines()[1:]:
                    assert not line.startswith(("=", "+", "@"))
    finally:
        ctx.export.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(tables=export_tables)
def test_hostile_csv_export_validates_and_figures_stay_in_domain(tmp_path_factory, tables):
    source = write_export(tables, "files_csv", tmp_path_factory.mktemp("fuzz"), typed=False)
    check_figures(source)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    tables=export_tables,
    drop=st.sampled_from([t.name for t in TABLES] + [None]),
    column=st.integers(min_value=0, max_value=12),
)
def test_missing_tables_or_columns_give_a_clear_error(tmp_path_factory, tables, drop, column):
    if drop:
        table = next(t for t in TABLES if t.name == drop)
        name = table.columns[column % len(table.columns)].name
        tables[drop] = [{k: v for k, v in r.items() if k != name} for r in tables[drop]]
    source = write_export(tables, "files_csv", tmp_path_factory.mktemp("fuzz"), typed=False)
    try:
        export = open_export(source)
    except ExportError as e:
        message = str(e)
        assert drop in message and "missing required column" in message
        return
    export.close()
    check_figures(source)
