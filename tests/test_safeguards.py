"""Safeguards in October 2026, each rule pinned by hand-made rows.

Times are UTC; the clinic's local times are Los Angeles times (PDT, UTC-7, until
2026-11-01; PST, UTC-8, after): 17:00 UTC is 10:00 local on the same date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analytics.domains import safeguards as sg
from analytics.period import Period
from analytics.registry import open_report
from helpers import full_export, write_export


def member(mid, role, hired="2020-01-06", terminated=None, patient=None) -> dict:
    return {
        "member_id": mid,
        "role": role,
        "hired_on": hired,
        "terminated_on": terminated,
        "patient_id": patient,
    }


def access(aid, mid, patient, at, action="view") -> dict:
    return {
        "access_id": aid,
        "member_id": mid,
        "patient_id": patient,
        "accessed_at": at,
        "action": action,
    }


def visit(eid, patient, at) -> dict:
    return {"encounter_id": eid, "patient_id": patient, "started_at": at}


def course(tid, mid, name, on) -> dict:
    return {"training_id": tid, "member_id": mid, "course": name, "completed_on": on}


WORKFORCE = [
    member("CL", "clinician", terminated="2026-10-20"),
    member("NEW", "front_desk", hired="2026-10-10"),
    member("DOC", "clinician"),
    member("DOC2", "clinician", patient="P_DOC2"),
    member("BILL", "billing"),
    member("BULK", "admin"),
    member("BULK50", "admin"),
    member("LEAP", "clinician"),
    member("DUE_ASOF", "billing"),
    member("OLD", "marketing"),
]

ENCOUNTERS = [
    visit("E_SEEN", "P_SEEN", "2026-10-19 17:00:00"),
    visit("E_30B", "P_30B", "2026-09-05 17:00:00"),  # 30 days before 10-05
    visit("E_31B", "P_31B", "2026-09-04 17:00:00"),  # 31 days before 10-05
    visit("E_30A", "P_30A", "2026-11-04 17:00:00"),  # 30 days after 10-05 (09:00 PST)
    visit("E_31A", "P_31A", "2026-11-05 17:00:00"),  # 31 days after 10-05
    visit("E_DOC2", "P_DOC2", "2026-10-12 17:00:00"),
]

# the bulk day, 2026-10-14 local: from 10:00 local (17:00 UTC) every 10 minutes to 18:30
# local (01:30 UTC on 10-15), across UTC midnight; B1 is opened twice (52 events, 51 patients)
START = datetime(2026, 10, 14, 17, 0)
BULK_DAY = [
    access(
        f"BK{k:02d}",
        "BULK",
        f"B{max(k, 1)}",
        (START + timedelta(minutes=10 * k)).strftime("%Y-%m-%d %H:%M:%S"),
    )
    for k in range(0, 52)
]
# 50 distinct patients in a day: no alert
FIFTY = [access(f"F{k:02d}", "BULK50", f"B{k}", f"2026-10-14 18:{k:02d}:00") for k in range(1, 51)]

ACCESSES = [
    access("A_TERM_DAY", "CL", "P_SEEN", "2026-10-20 17:00:00"),  # on terminated_on: alert
    access("A_TERM_BEFORE", "CL", "P_SEEN", "2026-10-19 17:00:00"),  # the day before: none
    access("A_BEFORE_HIRE", "NEW", "P_SEEN", "2026-10-09 17:00:00"),  # hired 10-10
    access("A_30B", "DOC", "P_30B", "2026-10-05 17:00:00"),
    access("A_31B", "DOC", "P_31B", "2026-10-05 17:00:00"),
    access("A_30A", "DOC", "P_30A", "2026-10-05 17:00:00"),
    access("A_31A", "DOC", "P_31A", "2026-10-05 17:00:00"),
    access("A_BILLING", "BILL", "P_NOVISIT", "2026-10-06 17:00:00"),  # billing: exempt
    access("A_0659", "DOC", "P_30B", "2026-10-02 13:59:59"),  # 06:59:59 local
    access("A_0700", "DOC", "P_30B", "2026-10-02 14:00:00"),  # 07:00:00 local
    access("A_2000", "DOC", "P_30B", "2026-10-03 03:00:00"),  # 20:00:00 local on 10-02
    access("A_SUNDAY", "DOC", "P_30B", "2026-10-04 19:00:00"),  # Sunday 12:00 local
    access("A_GHOST", "GHOST", "P_SEEN", "2026-10-21 17:00:00"),  # not in the workforce
    access("A_SELF", "DOC2", "P_DOC2", "2026-10-12 18:00:00"),  # their own record
    *BULK_DAY,
    *FIFTY,
]

TRAINING = [
    # everyone up to date but LEAP and OLD (NEW is within 30 days of hire)
    *(
        course(f"T_{m}_{c}", m, c, "2026-06-01")
        for m in ("DOC", "DOC2", "BILL", "BULK", "BULK50")
        for c in ("hipaa_privacy", "hipaa_security")
    ),
    # completed on 29 February 2024: due 28 February 2025
    course("T_LEAP_P", "LEAP", "hipaa_privacy", "2024-02-29"),
    course("T_LEAP_S", "LEAP", "hipaa_security", "2024-02-29"),
    # due exactly on 2026-10-31: not overdue in October
    course("T_DUE_P", "DUE_ASOF", "hipaa_privacy", "2025-10-31"),
    course("T_DUE_S", "DUE_ASOF", "hipaa_security", "2025-10-31"),
    # a required course written in another case and spacing, and one not required
    course("T_OLD_P", "OLD", " HIPAA_Privacy ", "2026-06-01"),
    course("T_OLD_F", "OLD", "fire_safety", "2026-06-01"),
]


def tables() -> dict:
    return full_export(
        workforce=WORKFORCE, access_log=ACCESSES, encounters=ENCOUNTERS, training=TRAINING
    )


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return write_export(tables(), "files_parquet", tmp_path_factory.mktemp("safeguards"))


@pytest.fixture(scope="module")
def ctx(export):
    ctx = open_report(export, "2026-10")
    yield ctx
    ctx.export.close()


def rules_of(ctx, access_id: str) -> set[str]:
    """The rules one access event raised."""
    listed = sg.DOMAIN.list_frame(ctx, "alerts_list")
    return set(listed[listed["access (audit id)"] == access_id]["rule"])


def figures(ctx) -> dict[tuple[str, str], float | None]:
    return {(r["metric"], r["segment"]): r["value"] for r in sg.DOMAIN.metrics(ctx)}


def test_access_on_the_termination_date_raises_an_alert_the_day_before_none(ctx):
    listed = sg.DOMAIN.list_frame(ctx, "alerts_list")
    mine = listed[listed["member"] == "CL"]
    assert list(zip(mine["local time"], mine["rule"], strict=True)) == [
        ("2026-10-20 10:00:00", "after_termination")
    ]


def test_access_before_hire(ctx):
    assert rules_of(ctx, "A_BEFORE_HIRE") == {"before_hire"}


def test_a_visit_30_days_away_is_a_relationship_31_days_is_not(ctx):
    assert rules_of(ctx, "A_30B") == set()
    assert rules_of(ctx, "A_30A") == set()
    assert rules_of(ctx, "A_31B") == {"no_encounter"}
    assert rules_of(ctx, "A_31A") == {"no_encounter"}


def test_billing_is_not_held_to_a_treatment_relationship(ctx):
    assert rules_of(ctx, "A_BILLING") == set()


def test_working_hours_boundaries_and_sunday(ctx):
    listed = sg.DOMAIN.list_frame(ctx, "alerts_list")
    after = set(listed[listed["rule"] == "after_hours"]["local time"])
    assert after == {"2026-10-02 06:59:59", "2026-10-02 20:00:00", "2026-10-04 12:00:00"}


def test_51_distinct_patients_in_a_local_day_is_one_alert_50_none(ctx):
    listed = sg.DOMAIN.list_frame(ctx, "alerts_list")
    bulk = listed[listed["rule"] == "bulk_day"]
    # one alert, on the day's last event: B51 at 18:30 local (01:30 UTC the next day)
    assert list(zip(bulk["member"], bulk["patient"], bulk["local time"], strict=True)) == [
        ("BULK", "B51", "2026-10-14 18:30:00")
    ]


def test_an_unknown_member_and_an_own_record(ctx):
    listed = sg.DOMAIN.list_frame(ctx, "alerts_list")
    assert set(listed[listed["rule"] == "unknown_member"]["member"]) == {"GHOST"}
    assert list(listed[listed["member"] == "GHOST"]["role"]) == ["unknown"]
    assert set(listed[listed["rule"] == "self_access"]["patient"]) == {"P_DOC2"}


def test_october_access_figures_by_hand(ctx):
    """Alerts: after_termination 1 (A_TERM_DAY), before_hire 1, no_encounter 2 (A_31B,
    A_31A), after_hours 3 (06:59:59, 20:00:00, Sunday), bulk_day 1, unknown_member 1,
    self_access 1 -> 10. Events: 14 single ones + 52 on the bulk day + 50 -> 116, all views.
    Members alerted: CL, NEW, DOC, BULK, GHOST, DOC2 -> 6. Patients alerted: P_SEEN
    (A_TERM_DAY, A_BEFORE_HIRE, A_GHOST), P_31B, P_31A, P_30B (hours), B51 (bulk, the last
    event's), P_DOC2 -> 6."""
    f = figures(ctx)
    expected = {
        "after_termination": 1,
        "before_hire": 1,
        "no_encounter": 2,
        "after_hours": 3,
        "bulk_day": 1,
        "unknown_member": 1,
        "self_access": 1,
        "all": 10,
    }
    assert {rule: f[("access.alerts", rule)] for rule in expected} == expected
    assert f[("access.events", "all")] == 116
    assert f[("access.events", "view")] == 116
    assert f[("access.members_alerted", "all")] == 6
    assert f[("access.patients_alerted", "all")] == 6


def test_october_training_by_hand(ctx):
    """Active on 2026-10-31: NEW, DOC, DOC2, BILL, BULK, BULK50, LEAP, DUE_ASOF, OLD -> 9 (CL
    was terminated on 10-20). Overdue: LEAP (due 2025-02-28), OLD (hipaa_security never
    taken: due 30 days after hire; fire_safety is not required) -> 2. NEW is due 11-09,
    DUE_ASOF exactly on 10-31 (not overdue)."""
    f = figures(ctx)
    assert f[("training.members_active", "all")] == 9
    assert f[("training.members_overdue", "all")] == 2
    assert f[("training.compliance_rate", "all")] == pytest.approx(7 / 9)
    assert f[("training.members_active", "clinician")] == 3  # DOC, DOC2, LEAP
    assert f[("training.members_overdue", "clinician")] == 1
    overdue = sg.DOMAIN.list_frame(ctx, "training_overdue_list")
    assert sorted(zip(overdue["member"], overdue["course"], strict=True)) == [
        ("LEAP", "hipaa_privacy"),
        ("LEAP", "hipaa_security"),
        ("OLD", "hipaa_security"),
    ]


def test_a_course_completed_on_29_february_is_due_on_28_february_a_year_later(ctx):
    """As of 2025-02-28 LEAP's courses are due that very day: not overdue; a month later
    they are."""
    feb = sg.DOMAIN.list_frame(replace(ctx, period=Period(2025, 2)), "training_overdue_list")
    assert "LEAP" not in set(feb["member"])
    march = sg.DOMAIN.list_frame(replace(ctx, period=Period(2025, 3)), "training_overdue_list")
    leap = march[march["member"] == "LEAP"]
    assert {str(d.date()) for d in leap["due date"]} == {"2025-02-28"}


def test_each_absent_log_omits_its_figures(tmp_path):
    found = tables()
    del found["training"]
    path = write_export(found, "files_parquet", tmp_path / "a")
    c = open_report(path, "2026-10")
    try:
        assert {r["metric"].split(".")[0] for r in sg.DOMAIN.metrics(c)} == {"access"}
        assert "No training log in this export" in sg.DOMAIN.no_log_text(c, "training")
    finally:
        c.export.close()
    found = tables()
    del found["encounters"]
    path = write_export(found, "files_parquet", tmp_path / "b")
    c = open_report(path, "2026-10")
    try:
        assert {r["metric"].split(".")[0] for r in sg.DOMAIN.metrics(c)} == {"training"}
        assert sg.DOMAIN.no_log_text(c, "access").startswith("No encounters log in this export")
    finally:
        c.export.close()


def test_a_quarantined_workforce_row_makes_its_accesses_unknown(tmp_path):
    found = tables()
    found["workforce"] = [
        *[m for m in WORKFORCE if m["member_id"] != "BILL"],
        member("BILL", "billing", hired="2020-01-06", terminated="2019-01-01"),  # bad_order
    ]
    path = write_export(found, "files_parquet", tmp_path)
    c = open_report(path, "2026-10")
    try:
        assert c.export.tables["workforce"].by_reason == {"bad_order": 1}
        listed = sg.DOMAIN.list_frame(c, "alerts_list")
        assert set(listed[listed["rule"] == "unknown_member"]["member"]) == {"GHOST", "BILL"}
    finally:
        c.export.close()


def test_the_twelve_month_charts_show_the_months_in_order(ctx):
    from analytics.presentation.charts import trend_figure

    alerts, training = (trend_figure(t) for t in sg.trends(ctx))
    months = [str(p) for p in ctx.period.trailing(12)]
    assert list(alerts.layout.xaxis.categoryarray) == months
    assert all(list(trace.x) == sorted(trace.x) for trace in alerts.data)
    assert training.data[0].name == "all roles"
