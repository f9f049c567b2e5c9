"""Breach clocks, each rule pinned by a hand-made incident with hand-computed due dates.

Times are UTC; the clinic's local dates are Los Angeles dates (17:00 UTC is 10:00 PDT or
09:00 PST, the same date). Day counts are worked out in the comments.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from analytics.documents.breach_log import BreachLogError, IncompleteBreachLog, breach_log
from analytics.domains import incidents as inc
from analytics.period import Period
from analytics.policy import default_policy_path
from analytics.registry import open_report
from helpers import full_export, run_cli, write_export


def incident(iid: str, discovered: str, **kw) -> dict:
    """A computerized breach of one California resident, assessed the day after discovery."""
    day = date.fromisoformat(discovered)
    row = {
        "incident_id": iid,
        "discovered_at": f"{discovered} 17:00:00",
        "occurred_at": None,
        "category": "misdirected",
        "location": "email",
        "description": f"incident {iid}",
        "computerized": True,
        "assessed_at": f"{date.fromordinal(day.toordinal() + 1)} 17:00:00",
        "determination": "breach",
        "individuals_affected": 1,
        "ca_residents_affected": 1,
        "largest_state_residents": 1,
        "law_enforcement_hold_until": None,
        "individuals_notified_at": None,
        "hhs_notified_at": None,
        "media_notified_at": None,
        "ag_notified_at": None,
        "cdph_notified_at": None,
    }
    row.update(kw)
    return row


INCIDENTS = [
    # discovered before California's 30-day rule: 2025-12-20 + 60 = 2026-02-18
    incident("CA_2025", "2025-12-20", ca_residents_affected=5),
    # discovered on or after 2026-01-01 with California residents: 2026-01-02 + 30 = 02-01
    incident("CA_2026", "2026-01-02", ca_residents_affected=5),
    # paper (not computerized): 60 days (2026-03-03), and no Attorney General notice
    incident(
        "PAPER",
        "2026-01-02",
        computerized=False,
        location="paper",
        individuals_affected=700,
        ca_residents_affected=600,
        largest_state_residents=450,
    ),
    # 499 individuals: HHS on the annual log, 2026-12-31 + 60 = 2027-03-01
    incident("HHS_499", "2026-03-10", individuals_affected=499),
    # 500 individuals: HHS within 60 days, 2026-03-10 + 60 = 2026-05-09
    incident("HHS_500", "2026-03-10", individuals_affected=500),
    # the annual date in a leap year: 2023-12-31 + 60 = 2024-02-29
    incident("LEAP", "2023-06-01", ca_residents_affected=0),
    # 500 residents of one state: no media notice; 501: media within 60 days (05-09)
    incident("MEDIA_500", "2026-03-10", individuals_affected=520, largest_state_residents=500),
    incident("MEDIA_501", "2026-03-10", individuals_affected=520, largest_state_residents=501),
    # more than 500 California residents, individuals notified 2026-02-20: AG due 03-07
    incident(
        "AG_NOTIFIED",
        "2026-02-02",
        individuals_affected=510,
        ca_residents_affected=501,
        largest_state_residents=501,
        individuals_notified_at="2026-02-20 17:00:00",
    ),
    # not yet notified: AG due = individuals due (02-02 + 30 = 03-04) + 15 = 03-19
    incident(
        "AG_WAITING",
        "2026-02-02",
        individuals_affected=510,
        ca_residents_affected=501,
        largest_state_residents=10,
    ),
    # due 2026-09-15 + 30 = 10-15; sent 2026-10-16 03:00 UTC = 10-15 20:00 local: on time
    incident("ON_DUE_DATE", "2026-09-15", individuals_notified_at="2026-10-16 03:00:00"),
    # assessed low probability: nothing owed, even with a notice on record
    incident(
        "LOW_PROB",
        "2026-10-01",
        determination="low_probability",
        individuals_notified_at="2026-10-06 17:00:00",
    ),
    # never assessed, discovered 2026-08-01: presumed a breach, individuals due 08-31
    incident("UNASSESSED", "2026-08-01", assessed_at=None, determination=None),
    # law-enforcement hold until 2026-11-20, past the normal due date 07-01 + 30 = 07-31
    incident("HOLD", "2026-07-01", law_enforcement_hold_until="2026-11-20"),
    # assessed (low probability) on 2026-11-03, after October's as-of date: still presumed a
    # breach in October; individuals due 10-25 + 30 = 11-24
    incident(
        "LATE_ASSESSMENT",
        "2026-10-25",
        assessed_at="2026-11-03 17:00:00",
        determination="low_probability",
    ),
]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return write_export(
        full_export(incidents=INCIDENTS), "files_parquet", tmp_path_factory.mktemp("inc")
    )


@pytest.fixture(scope="module")
def ctx(export):
    ctx = open_report(export, "2026-10")
    yield ctx
    ctx.export.close()


def due_dates(ctx, iid: str) -> dict[str, date]:
    """Each notice the incident may owe, with its due date (before any as-of judgement)."""
    inc.QUERIES.ensure(ctx, "incident_notices")
    found = ctx.export.con.execute(
        "SELECT kind, due_date FROM incident_notices WHERE incident_id = ?", [iid]
    ).fetchall()
    return {kind: due for kind, due in found}


def open_list(ctx, period: str) -> dict[tuple[str, str], date]:
    """(incident, notice) -> due date of every notice owed and not sent by the as-of date."""
    frame = inc.DOMAIN.list_frame(replace(ctx, period=Period.parse(period)), "open_notices")
    return {(r["incident"], r["notice"]): r["due date"].date() for r in frame.to_dict("records")}


def test_california_residents_discovered_before_2026_have_60_days(ctx):
    assert due_dates(ctx, "CA_2025")["individuals"] == date(2026, 2, 18)


def test_california_residents_discovered_from_2026_have_30_days(ctx):
    assert due_dates(ctx, "CA_2026")["individuals"] == date(2026, 2, 1)


def test_paper_records_have_no_california_clock_and_no_attorney_general_notice(ctx):
    dues = due_dates(ctx, "PAPER")
    assert dues["individuals"] == date(2026, 3, 3)
    assert set(dues) == {"individuals", "hhs"}  # 450 in the largest state: no media either
    assert dues["hhs"] == date(2026, 3, 3)  # 700 individuals: HHS within 60 days


def test_499_individuals_go_on_the_annual_log_and_500_to_hhs_within_60_days(ctx):
    assert due_dates(ctx, "HHS_499")["hhs"] == date(2027, 3, 1)
    assert due_dates(ctx, "HHS_500")["hhs"] == date(2026, 5, 9)


def test_annual_log_due_on_29_february_in_a_leap_year(ctx):
    assert due_dates(ctx, "LEAP")["hhs"] == date(2024, 2, 29)
    assert inc.annual_log_due(ctx, 2023) == date(2024, 2, 29)
    assert inc.annual_log_due(ctx, 2026) == date(2027, 3, 1)


def test_media_notice_only_above_500_residents_of_one_state(ctx):
    assert "media" not in due_dates(ctx, "MEDIA_500")
    assert due_dates(ctx, "MEDIA_501")["media"] == date(2026, 5, 9)


def test_attorney_general_due_15_days_after_individuals_were_notified(ctx):
    dues = due_dates(ctx, "AG_NOTIFIED")
    assert dues["individuals"] == date(2026, 3, 4)
    # judged as of 2026-02-28: individuals were notified on 02-20, so 02-20 + 15
    assert open_list(ctx, "2026-02")[("AG_NOTIFIED", "ca_ag")] == date(2026, 3, 7)


def test_attorney_general_due_15_days_after_the_individuals_due_date_while_not_notified(ctx):
    assert due_dates(ctx, "AG_WAITING")["ca_ag"] == date(2026, 3, 19)
    assert open_list(ctx, "2026-02")[("AG_WAITING", "ca_ag")] == date(2026, 3, 19)
    # and as of October, still not notified: overdue
    assert open_list(ctx, "2026-10")[("AG_WAITING", "ca_ag")] == date(2026, 3, 19)


def test_attorney_general_due_date_moves_once_individuals_are_notified(tmp_path):
    late = incident(
        "AG_LATER",
        "2026-02-02",
        individuals_affected=600,
        ca_residents_affected=600,
        individuals_notified_at="2026-03-10 17:00:00",
    )
    path = write_export(full_export(incidents=[late]), "files_parquet", tmp_path)
    c = open_report(path, "2026-02")
    try:
        # as of 02-28 individuals are not notified: 03-04 + 15; as of 03-31: 03-10 + 15
        assert open_list(c, "2026-02")[("AG_LATER", "ca_ag")] == date(2026, 3, 19)
        assert open_list(c, "2026-03")[("AG_LATER", "ca_ag")] == date(2026, 3, 25)
    finally:
        c.export.close()


def test_a_notice_sent_on_its_due_date_local_evening_is_on_time(ctx):
    sent = inc.DOMAIN.list_frame(ctx, "sent_notices")
    mine = sent[sent["incident"] == "ON_DUE_DATE"].to_dict("records")
    assert [(r["notice"], str(r["sent"].date()), r["on time"]) for r in mine] == [
        ("individuals", "2026-10-15", "on time")
    ]


def test_low_probability_owes_nothing_even_with_a_notice_on_record(ctx):
    assert not [k for k in open_list(ctx, "2026-10") if k[0] == "LOW_PROB"]
    assert "LOW_PROB" not in set(inc.DOMAIN.list_frame(ctx, "sent_notices")["incident"])


def test_unassessed_past_60_days_is_presumed_a_breach_and_overdue(ctx):
    owed = open_list(ctx, "2026-10")
    assert owed[("UNASSESSED", "individuals")] == date(2026, 8, 31)


def test_a_law_enforcement_hold_moves_the_due_date_past_the_normal_one(ctx):
    dues = due_dates(ctx, "HOLD")
    assert dues["individuals"] == date(2026, 11, 20)
    assert dues["hhs"] == date(2027, 3, 1)  # the annual date is later than the hold


def test_an_incident_assessed_after_the_as_of_date_counts_as_unassessed(ctx):
    assert open_list(ctx, "2026-10")[("LATE_ASSESSMENT", "individuals")] == date(2026, 11, 24)
    # in November it is assessed (low probability): nothing owed
    assert not [k for k in open_list(ctx, "2026-11") if k[0] == "LATE_ASSESSMENT"]


def test_october_figures_by_hand(ctx):
    """As of 2026-10-31 (LOW_PROB alone is not notifiable). Owed, not sent, due before it:
    individuals: CA_2025 02-18, CA_2026 02-01, PAPER 03-03, HHS_499, HHS_500, MEDIA_500 and
    MEDIA_501 04-09, AG_WAITING 03-04, UNASSESSED 08-31, LEAP 2023-07-31 -> 10;
    hhs: CA_2025 2026-03-01 (annual), PAPER 03-03, HHS_500, MEDIA_500, MEDIA_501 05-09,
    AG_NOTIFIED and AG_WAITING 04-03, LEAP 2024-02-29 -> 8; media: MEDIA_501 05-09,
    AG_NOTIFIED 04-03 -> 2; ca_ag: AG_NOTIFIED 03-07, AG_WAITING 03-19 -> 2. All: 22.
    Due in (10-31, 11-30]: individuals of HOLD 11-20 and LATE_ASSESSMENT 11-24 -> 2.
    Sent in October: ON_DUE_DATE's individuals notice, on time (LOW_PROB's is not owed).
    Discovered in October: LOW_PROB and LATE_ASSESSMENT, both misdirected -> 2. Assessed a
    breach in October: none. Not assessed 10 days after discovery: UNASSESSED (LATE_ASSESSMENT
    reaches its target on 11-04) -> 1."""
    rows = {(r["metric"], r["segment"]): r["value"] for r in inc.DOMAIN.metrics(ctx)}
    assert rows[("incidents.notices_overdue", "individuals")] == 10
    assert rows[("incidents.notices_overdue", "hhs")] == 8
    assert rows[("incidents.notices_overdue", "media")] == 2
    assert rows[("incidents.notices_overdue", "ca_ag")] == 2
    assert rows[("incidents.notices_overdue", "all")] == 22
    assert rows[("incidents.notices_due_next_30_days", "all")] == 2
    assert rows[("incidents.notices_due_next_30_days", "individuals")] == 2
    assert rows[("incidents.notices_sent", "all")] == 1
    assert rows[("incidents.notices_sent_on_time", "individuals")] == 1
    assert rows[("incidents.notices_on_time_rate", "all")] == 1.0
    assert rows[("incidents.notices_on_time_rate", "media")] is None
    assert rows[("incidents.discovered", "all")] == 2
    assert rows[("incidents.discovered", "misdirected")] == 2
    assert rows[("incidents.breaches", "all")] == 0
    assert rows[("incidents.unassessed_late", "all")] == 1
    assert "cdph" not in {segment for _, segment in rows}  # the CDPH rule is off


def test_breaches_assessed_in_the_period_by_category(ctx):
    rows = {
        (r["metric"], r["segment"]): r["value"]
        for r in inc.DOMAIN.metrics(replace(ctx, period=Period(2026, 3)))
    }
    # assessed in March: HHS_499, HHS_500, MEDIA_500, MEDIA_501 (03-11), all misdirected
    assert rows[("incidents.breaches", "misdirected")] == 4
    assert rows[("incidents.breaches", "all")] == 4
    assert rows[("incidents.discovered", "all")] == 4


@pytest.fixture(scope="module")
def cdph_policy(tmp_path_factory) -> Path:
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace("cdph_applies = false", "cdph_applies = true")
    path = tmp_path_factory.mktemp("pol") / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cdph_clock_counts_business_days_past_a_holiday(tmp_path, cdph_policy):
    """Discovered Monday 2026-11-16. Business days after it: 17, 18, 19, 20, 23, 24, 25,
    (26 Thanksgiving), 27, 30 November, 1, 2, 3, 4, 7, 8 December: the 15th is 12-08
    (12-07 without the holiday). The individuals' date is the earlier of 30 days (12-16)
    and that."""
    row = incident("CDPH", "2026-11-16")
    path = write_export(full_export(incidents=[row]), "files_parquet", tmp_path)
    c = open_report(path, "2026-10", cdph_policy)
    try:
        dues = due_dates(c, "CDPH")
        assert dues["cdph"] == date(2026, 12, 8)
        assert dues["individuals"] == date(2026, 12, 8)
    finally:
        c.export.close()


def test_without_an_incident_log_every_figure_is_omitted_not_zero(tmp_path):
    tables = full_export()
    del tables["incidents"]
    path = write_export(tables, "files_parquet", tmp_path)
    c = open_report(path, "2026-10")
    try:
        assert inc.DOMAIN.metrics(c) == []
        assert inc.trends(c) == []
        assert inc.DOMAIN.work_lists(c) == {}
        assert "incidents" in c.export.absent_logs()
        assert "incidents" not in {s.table for s in c.export.reported_tables()}
    finally:
        c.export.close()
    done = run_cli("validate", str(path))
    assert done.returncode == 0
    assert re.search(r"^incidents\s+\(absent: the export has no such log\)$", done.stdout, re.M)


def test_an_empty_incident_log_is_zero_incidents(tmp_path):
    path = write_export(full_export(incidents=[]), "duckdb", tmp_path)
    c = open_report(path, "2026-10")
    try:
        rows = {(r["metric"], r["segment"]): r["value"] for r in inc.DOMAIN.metrics(c)}
        assert rows[("incidents.discovered", "all")] == 0
        assert rows[("incidents.notices_overdue", "all")] == 0
        assert rows[("incidents.notices_on_time_rate", "all")] is None
        assert {s for _, s in rows} == {"all"}
    finally:
        c.export.close()


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"category": "ransomware"}, "unknown_code"),
        ({"location": "cloud"}, "unknown_code"),
        ({"determination": "maybe"}, "unknown_code"),
        ({"assessed_at": "2026-10-01 17:00:00"}, "bad_order"),
        ({"hhs_notified_at": "2026-10-01 17:00:00"}, "bad_order"),
        ({"determination": None}, "inconsistent_state"),
        ({"assessed_at": None}, "inconsistent_state"),
        ({"individuals_affected": -3}, "bad_value"),
    ],
)
def test_bad_incident_rows_are_quarantined_with_the_contracts_reason(tmp_path, change, reason):
    good = incident("GOOD", "2026-10-05")
    bad = incident("BAD", "2026-10-05", **change)
    path = write_export(full_export(incidents=[good, bad]), "files_csv", tmp_path, typed=False)
    c = open_report(path, "2026-10")
    try:
        s = c.export.tables["incidents"]
        assert (s.rows_read, s.rows_used, s.by_reason) == (2, 1, {reason: 1})
    finally:
        c.export.close()


def test_the_breach_log_lists_the_years_small_breaches_and_its_due_date(export):
    c = open_report(export, "2026-10")
    try:
        log = breach_log(c, 2025, date(2026, 10, 25))
        assert log.due == date(2026, 3, 1) and log.year_over
        assert list(log.breaches["incident_id"]) == ["CA_2025"]
        notices = log.breaches["notices owed"].iloc[0]
        assert "the affected individuals: due 2026-02-18, not sent (overdue)" in notices
        assert log.breaches["all on time"].iloc[0] == "no"
        this_year = breach_log(c, 2026, date(2026, 10, 25))
        ids = list(this_year.breaches["incident_id"])
        # fewer than 500 and notifiable on 10-25 (the export's last record): not HHS_500,
        # MEDIA_*, AG_* (500 or more), nor LOW_PROB; LATE_ASSESSMENT is presumed a breach
        assert ids == ["CA_2026", "HHS_499", "HOLD", "UNASSESSED", "ON_DUE_DATE", "LATE_ASSESSMENT"]
        assert not this_year.year_over
        with pytest.raises(BreachLogError, match="after the last day the export covers"):
            breach_log(c, 2026, date(2027, 1, 5))
    finally:
        c.export.close()


def test_the_breach_log_refuses_to_leave_out_quarantined_incidents(tmp_path):
    rows = [incident("OK", "2026-03-02"), incident("BROKEN", "2026-03-02", category="flood")]
    path = write_export(full_export(incidents=rows), "files_parquet", tmp_path / "x")
    c = open_report(path, "2026-10")
    try:
        log = breach_log(c, 2026, date(2026, 3, 31))
        with pytest.raises(IncompleteBreachLog, match="BROKEN"):
            log.require_complete()
        log.require_complete(allow_incomplete=True)
    finally:
        c.export.close()


def test_breach_log_command_writes_owner_only_html_stating_its_due_date(export, tmp_path):
    out = tmp_path / "log.html"
    done = run_cli(
        "breach-log",
        "--year",
        "2025",
        "--as-of",
        "2026-10-25",
        "--source",
        str(export),
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "Due to HHS by 2026-03-01" in text and "CA_2025" in text
    assert out.stat().st_mode & 0o077 == 0
    assert not re.search(r"<script|https?://", text)


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["--year", "2026", "--as-of", "2026-13-01"], 2, "not a date"),
        (["--year", "2026", "--as-of", "2027-06-01"], 2, "after the last day the export covers"),
        (["--year", "26"], 2, "not a year"),
    ],
)
def test_breach_log_command_refuses_bad_arguments(export, tmp_path, args, code, words):
    done = run_cli("breach-log", *args, "--source", str(export), "--out", str(tmp_path / "l.html"))
    assert done.returncode == code and words in done.stderr
    assert "Traceback" not in done.stderr


def test_breach_log_command_without_an_incident_log(tmp_path):
    tables = full_export()
    del tables["incidents"]
    path = write_export(tables, "files_parquet", tmp_path)
    done = run_cli("breach-log", "--year", "2026", "--source", str(path))
    assert done.returncode == 2 and "no incident log" in done.stderr


@pytest.mark.slow
def test_the_notebook_without_an_incident_log_says_so_and_records_no_figure(tmp_path):
    import nbformat
    import papermill

    from analytics.paths import notebooks_dir
    from analytics.presentation.page import recorded_metrics
    from analytics.run.kernels import ensure_kernel

    tables = full_export()
    del tables["incidents"]
    path = write_export(tables, "files_parquet", tmp_path / "export")
    out = tmp_path / "incidents.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "incidents.ipynb"),
        str(out),
        parameters={"source": str(path), "period": "2026-10"},
        kernel_name=ensure_kernel(),
        progress_bar=False,
    )
    nb = nbformat.read(str(out), as_version=4)
    assert recorded_metrics(nb) == []
    shown = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert shown.count("No incidents log in this export") >= 4  # every section, the lists too
    assert "0 breach notice" not in shown and "On 2026-10-31" not in shown
