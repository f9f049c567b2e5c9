"""A month the export does not reach is not "zero": one coverage rule for the run, the
notebooks, the accounting, the breach log and the default month (``loading.coverage``)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from analytics.errors import ExportError
from analytics.loading.coverage import check_period, coverage, default_period
from analytics.loading.loader import open_export
from analytics.period import Period, PeriodError
from analytics.presentation.index import tiles
from analytics.presentation.page import banner_html
from analytics.registry import DOMAINS, load_policy, open_report
from helpers import WHOLE_SAMPLE, full_export, rows, run_cli, write_export

TZ = "America/Los_Angeles"
ON = date(2026, 12, 7)  # "today" for the hand-made exports
NAMES = {d.name for d in DOMAINS}


def logs_ending(**last: str) -> dict[str, list[dict]]:
    """Every table's base row, and each named continuous log's last row on that local
    day at noon (a day given as YYYY-MM-DD)."""
    tables = full_export()
    column = {
        "consent_events": ("event_id", "occurred_at"),
        "messages": ("message_id", "sent_at"),
        "disclosures": ("disclosure_id", "disclosed_at"),
        "access_log": ("access_id", "accessed_at"),
        "encounters": ("encounter_id", "started_at"),
        "requests": ("request_id", "received_at"),
        "incidents": ("incident_id", "discovered_at"),
        "communication_preferences": ("preference_id", "effective_at"),
    }
    for table, day in last.items():
        id_column, time_column = column[table]
        change = {id_column: "LAST", time_column: f"{day} 20:00:00+00"}
        if table == "consent_events":
            change["processed_at"] = None
        if table == "requests":
            change.update(acknowledged_at=None, verified_at=None, closed_at=None, outcome=None)
        if table == "incidents":
            change.update(
                occurred_at=None, assessed_at=None, determination=None, individuals_notified_at=None
            )
        tables[table] = rows(table, {}, change)
    return tables


ALL_REACH_OCTOBER_31 = {
    t: "2026-10-31"
    for t in ("consent_events", "messages", "disclosures", "access_log", "encounters")
}


def covered(tmp_path, tables, extracted_at=None, on=ON):
    path = write_export(tables, "files_parquet", tmp_path, extracted_at=extracted_at)
    export = open_export(path)
    try:
        cov = coverage(export, TZ, on)
        return cov, [str(p) for p in (Period(2026, 9), Period(2026, 10)) if cov.covers(p)]
    finally:
        export.close()


def test_every_continuous_log_reaching_the_months_last_day_covers_it(tmp_path):
    cov, months = covered(tmp_path, logs_ending(**ALL_REACH_OCTOBER_31))
    assert cov.through == date(2026, 10, 31) and months == ["2026-09", "2026-10"]


def test_one_continuous_log_ending_early_leaves_the_month_uncovered_and_is_named(tmp_path):
    cov, months = covered(
        tmp_path, logs_ending(**{**ALL_REACH_OCTOBER_31, "consent_events": "2026-10-27"})
    )
    assert cov.through == date(2026, 10, 27) and months == ["2026-09"]
    assert cov.gap(Period(2026, 10)) == (
        "its logs end before 2026-10-31, on: consent events 2026-10-27 (no "
        "export-manifest.json says when it was extracted)"
    )


def test_sparse_logs_neither_shorten_nor_widen_coverage(tmp_path):
    # requests end on 5 October and an incident is dated 20 November: neither counts
    tables = logs_ending(**ALL_REACH_OCTOBER_31, requests="2026-10-05", incidents="2026-11-20")
    cov, months = covered(tmp_path, tables)
    assert cov.through == date(2026, 10, 31) and months == ["2026-09", "2026-10"]


def test_a_preference_effective_next_year_is_valid_data_not_coverage(tmp_path):
    tables = logs_ending(**ALL_REACH_OCTOBER_31, communication_preferences="2027-08-12")
    path = write_export(tables, "files_parquet", tmp_path, extracted_at=None)
    export = open_export(path)
    try:
        assert str(default_period(export, TZ, on=ON)) == "2026-10"
        with pytest.raises(PeriodError, match="2026-11 is not covered"):
            check_period(export, Period(2026, 11), TZ, partial=False, on=ON)
    finally:
        export.close()


def test_rows_dated_after_today_are_no_evidence(tmp_path):
    # every log has a row in 2030 too: as of 7 December 2026 the export still reaches
    # only 31 October
    tables = logs_ending(**ALL_REACH_OCTOBER_31)
    for table, (id_column, time_column) in {
        "messages": ("message_id", "sent_at"),
        "encounters": ("encounter_id", "started_at"),
    }.items():
        tables[table].append({**tables[table][0], id_column: "FUTURE", time_column: "2030-01-01"})
    cov, _ = covered(tmp_path, tables)
    assert cov.through == date(2026, 10, 31)


@pytest.mark.parametrize(
    ("extracted_at", "through"),
    [
        # 1 November 00:00 in Los Angeles (PDT, UTC-7): October is over
        ("2026-11-01T07:00:00Z", date(2026, 10, 31)),
        # a minute before: 31 October 23:59 locally, the day had not ended
        ("2026-11-01T06:59:00Z", date(2026, 10, 30)),
        ("2026-11-01T00:00:00-07:00", date(2026, 10, 31)),
    ],
)
def test_the_manifest_says_when_the_export_was_extracted_time_zone_boundary(
    tmp_path, extracted_at, through
):
    # the logs themselves end on 2 October: the manifest, not the logs, decides
    cov, _ = covered(tmp_path, full_export(), extracted_at=extracted_at)
    assert cov.through == through


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "JSONDecodeError"),
        ('{"extracted_at": "2026-11-02 06:00"}', "has no offset"),
        ('{"extracted_at": "yesterday"}', "is not an ISO 8601 instant"),
        ('{"extracted": "2026-11-02T06:00:00Z"}', "no extracted_at"),
    ],
)
def test_a_manifest_that_cannot_be_read_is_refused_with_exit_3(tmp_path, text, words):
    path = write_export(full_export(), "files_parquet", tmp_path)
    (path / "export-manifest.json").write_text(text)
    with pytest.raises(ExportError, match=words):
        open_export(path)
    done = run_cli("validate", str(path))
    assert done.returncode == 3 and "export-manifest.json" in done.stderr


def test_a_month_that_has_not_begun_is_refused_even_with_partial(tmp_path):
    path = write_export(full_export(), "files_parquet", tmp_path)
    export = open_export(path)
    try:
        with pytest.raises(PeriodError, match="2027-03 has not begun"):
            check_period(export, Period(2027, 3), TZ, partial=True, on=ON)
        # a month under way is refused only without --partial
        with pytest.raises(PeriodError, match="has not ended yet"):
            check_period(export, Period(2026, 12), TZ, partial=False, on=ON)
        check_period(export, Period(2026, 12), TZ, partial=True, on=ON)
    finally:
        export.close()


# --------------------------------------------------------------- the shipped sample


@WHOLE_SAMPLE
def test_the_samples_november_is_refused_naming_the_logs_that_end_in_october(tmp_path):
    done = run_cli("run", "--period", "2026-11", "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "period 2026-11 is not covered by the export" in done.stderr
    assert "extracted on 2026-11-06" in done.stderr
    assert "messages 2026-10-31" in done.stderr and "consent events 2026-10-27" in done.stderr
    assert not (tmp_path / "out" / "2026-11").exists()


def test_the_samples_month_not_yet_begun_is_refused_even_with_partial(tmp_path):
    done = run_cli("run", "--period", "2099-03", "--partial", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "has not begun" in done.stderr
    assert not (tmp_path / "out" / "2099-03").exists()


@WHOLE_SAMPLE
def test_a_notebook_month_beyond_the_export_says_which_logs_end_when():
    ctx = open_report(None, "2026-11")
    try:
        assert ctx.incomplete
        banner = banner_html(ctx, "t", "r")
        assert "Incomplete month" in banner and "messages 2026-10-31" in banner
        assert "none is shown on target" in banner
    finally:
        ctx.export.close()
    october = open_report(None, "2026-10")
    try:
        assert not october.incomplete and "Incomplete" not in banner_html(october, "t", "r")
    finally:
        october.export.close()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["breach-log", "--year", "1999"], "1999 is before the incident log's first record"),
        # the first incident is dated 2025-03-14: the export cannot say the log was kept
        (["breach-log", "--year", "2024"], "2024 is before the incident log's first record"),
        (
            ["breach-log", "--year", "2026", "--as-of", "2026-11-20"],
            "after the last day the export covers (2026-11-05)",
        ),
        (
            ["accounting", "--patient", "P000123", "--as-of", "2026-11-20"],
            "after the last day the export covers (2026-11-05)",
        ),
    ],
)
def test_the_accounting_and_breach_log_use_the_same_rule(tmp_path, args, words):
    done = run_cli(*args, "--out", str(tmp_path / "doc.html"))
    assert done.returncode == 2 and words in done.stderr, done.stderr
    assert not (tmp_path / "doc.html").exists()


# --------------------------------------------------------------- the overview's tiles


def test_no_tile_is_on_target_in_an_incomplete_month_but_a_certain_violation_stays():
    policy = load_policy()
    metric_rows = [
        {"metric": "consent.marketing_after_optout", "segment": "all", "value": 0},
        {"metric": "consent.marketing_quiet_hours", "segment": "all", "value": 67},
        {"metric": "requests.on_time_rate", "segment": "all", "value": 0.2},
    ]
    whole = {t.metric: t.status for t in tiles(metric_rows, policy, NAMES)}
    part = {t.metric: t.status for t in tiles(metric_rows, policy, NAMES, incomplete=True)}
    assert whole["consent.marketing_after_optout"] == "green"
    assert part["consent.marketing_after_optout"] == "partial"
    assert "green" not in part.values() and "amber" not in part.values()
    assert whole["consent.marketing_quiet_hours"] == part["consent.marketing_quiet_hours"] == "red"
    # a rate off target may still change with the days the export lacks: not judged
    assert part["requests.on_time_rate"] == "partial"
    # part of a month against a whole one is no change ("-67" read as an improvement)
    history = {("consent.marketing_quiet_hours", "all"): [67, 3]}
    (quiet,) = [
        t
        for t in tiles(metric_rows, policy, NAMES, history=history, incomplete=True)
        if t.metric == "consent.marketing_quiet_hours"
    ]
    assert (quiet.previous_text, quiet.change_text) == ("67", "—")


def test_a_manifest_is_carried_into_the_runs_snapshot(tmp_path):
    path = write_export(full_export(), "files_parquet", tmp_path / "x")
    export = open_export(path)
    from analytics.loading.snapshot import open_validated

    try:
        export.write_validated(tmp_path / "snap")
    finally:
        export.close()
    snap = open_validated(tmp_path / "snap")
    try:
        assert snap.extracted_at is not None
        assert snap.extracted_at.isoformat() == "2026-11-02T12:00:00+00:00"
    finally:
        snap.close()
    assert json.loads((path / "export-manifest.json").read_text())["extracted_at"]


# --------------------------------------------------------------- data problems per figure


def test_an_empty_complaints_or_restrictions_log_is_zero_not_a_data_problem(tmp_path):
    from analytics.domains.quality import data_problems

    path = write_export(full_export(complaints=[], restrictions=[]), "files_csv", tmp_path)
    ctx = open_report(path, "2026-10")
    try:
        assert ctx.export.tables["complaints"].present
        problems = data_problems(ctx)
        assert "complaints" not in problems and "restrictions" not in problems
    finally:
        ctx.export.close()


def test_a_certain_violation_stays_on_the_action_list_as_a_lower_bound():
    """Six marketing texts to opted-out patients are certain even when the messages table
    has a data problem: the data that arrived holds at least six."""
    from analytics.presentation.index import needs_action

    policy = load_policy()
    metric_rows = [
        {"metric": "consent.marketing_after_optout", "segment": "all", "value": 6},
        {"metric": "consent.optouts_late", "segment": "all", "value": 0},
    ]
    problems = {"messages": "40 of 900 messages rows quarantined (more than 1%)"}
    shown = {t.metric: t for t in tiles(metric_rows, policy, NAMES, problems)}
    late = shown["consent.marketing_after_optout"]
    assert late.status == "problem"
    assert late.sentence == (
        "At least: 6 marketing messages went to patients who had opted out (counted from "
        "data that is not whole)."
    )
    assert late in needs_action(list(shown.values()))
    assert shown["consent.optouts_late"].sentence == ""  # zero is not judged, not green
    incomplete = {t.metric: t for t in tiles(metric_rows, policy, NAMES, incomplete=True)}
    assert incomplete["consent.marketing_after_optout"].sentence.startswith("At least: 6")


@WHOLE_SAMPLE
def test_metrics_json_says_whether_the_month_is_whole():
    """A tool reading metrics.json learns that a month reported with --partial is not a
    whole month, and how far the export reaches."""
    from datetime import UTC, datetime

    from analytics.run.metrics_json import document
    from analytics.schemas import problems, shipped

    for period, complete in (("2026-10", True), ("2026-11", False)):
        ctx = open_report(None, period)
        try:
            doc = document(ctx, [], datetime.now(UTC))
        finally:
            ctx.export.close()
        assert problems(shipped("metrics"), doc) == []
        assert doc["coverage"]["complete"] is complete
        assert doc["coverage"]["through"] == "2026-11-05"
        assert doc["coverage"]["extracted_at"] == "2026-11-06T16:00:00+00:00"
        assert doc["coverage"]["logs_end"]["messages"] == "2026-10-31"
