"""Retention figures at the end of October 2026, each rule pinned by a hand-made record.

Times are UTC; the clinic's local dates are Los Angeles dates (10:00 PDT = 17:00 UTC).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.domains import retention as rt
from analytics.registry import open_report
from helpers import full_export, write_export


def record(rid, cls, last, *, birth=None, hold=False, disposed=None, created="2010-01-04") -> dict:
    return {
        "record_id": rid,
        "patient_id": "P" + rid,
        "record_class": cls,
        "created_at": f"{created} 17:00:00",
        "last_activity_at": f"{last} 17:00:00",
        "birth_date": birth,
        "legal_hold": hold,
        "disposed_at": f"{disposed} 18:00:00" if disposed else None,
    }


RECORDS = [
    # minor (9 at last activity): age 19 on 2029-06-15 comes after the 7-year mark 2027-03-10
    record("MINOR_LATE", "medical", "2020-03-10", birth="2010-06-15"),
    # minor (16): age 19 on 2021-05-01 comes before the 7-year mark 2026-04-01; due 2026-06-30
    record("MINOR_EARLY", "medical", "2019-04-01", birth="2002-05-01"),
    # on legal hold and long past due: never overdue
    record("HOLD", "billing", "2015-01-10", hold=True),
    # destroyed in October while on hold
    record("HOLD_DESTROYED", "billing", "2015-01-10", hold=True, disposed="2026-10-05"),
    # retention end 2026-10-21, destroyed 2026-10-20: one day early
    record("EARLY", "medical", "2019-10-21", disposed="2026-10-20"),
    # last activity on 29 February: 5 years later is 28 February; due 2025-05-29
    record("LEAP", "consent_proof", "2020-02-29"),
    # disposal due exactly on the as-of date (2019-08-02 + 7 years + 90 days = 2026-10-31)
    record("DUE_ASOF", "billing", "2019-08-02"),
    # due 2026-12-14: within the next 90 days
    record("DUE_SOON", "billing", "2019-09-15"),
]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    path = write_export(
        full_export(records=RECORDS), "files_parquet", tmp_path_factory.mktemp("ret")
    )
    ctx = open_report(path, "2026-10")
    yield ctx
    ctx.export.close()


def dates(ctx) -> dict:
    rt.QUERIES.ensure(ctx, "record_retention")
    rows = ctx.export.con.execute(
        "SELECT record_id, retention_end, dispose_by, disposal_due FROM record_retention"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def values(ctx) -> dict:
    return {(m["metric"], m["segment"]): m["value"] for m in rt.DOMAIN.metrics(ctx)}


def test_minor_whose_19th_birthday_comes_after_the_7_year_mark(ctx):
    end, by, due = dates(ctx)["MINOR_LATE"]
    assert (end, by, due) == (date(2029, 6, 15), date(2029, 6, 15), date(2029, 9, 13))


def test_minor_whose_19th_birthday_comes_before_the_7_year_mark(ctx):
    end, _, due = dates(ctx)["MINOR_EARLY"]
    assert (end, due) == (date(2026, 4, 1), date(2026, 6, 30))


def test_last_activity_on_29_february(ctx):
    end, by, due = dates(ctx)["LEAP"]
    assert (end, by, due) == (date(2025, 2, 28), date(2025, 2, 28), date(2025, 5, 29))


def test_disposal_due_on_the_as_of_date_is_neither_overdue_nor_upcoming(ctx):
    assert dates(ctx)["DUE_ASOF"][2] == date(2026, 10, 31)
    queue = rt.DOMAIN.list_frame(ctx, "destruction_queue")
    assert "DUE_ASOF" in set(queue["record_id"])  # due today: on the work list
    got = values(ctx)
    assert got[("retention.due_next_90_days", "billing")] == 1  # DUE_SOON only


def test_overdue_excludes_records_on_hold(ctx):
    got = values(ctx)
    assert got[("retention.overdue_disposal", "medical")] == 1  # MINOR_EARLY
    assert got[("retention.overdue_disposal", "consent_proof")] == 1  # LEAP
    assert got[("retention.overdue_disposal", "billing")] == 0  # HOLD is on hold
    assert got[("retention.overdue_disposal", "all")] == 2
    assert got[("retention.on_legal_hold", "all")] == 1


def test_destroyed_one_day_before_retention_end_is_premature(ctx):
    assert dates(ctx)["EARLY"][0] == date(2026, 10, 21)
    got = values(ctx)
    assert got[("retention.premature_disposals", "medical")] == 1
    assert got[("retention.premature_disposals", "all")] == 1
    assert list(rt.DOMAIN.list_frame(ctx, "destroyed_early")["record_id"]) == ["EARLY"]


def test_destroyed_under_legal_hold(ctx):
    got = values(ctx)
    assert got[("retention.disposed_under_hold", "billing")] == 1
    assert list(rt.DOMAIN.list_frame(ctx, "destroyed_under_hold")["record_id"]) == [
        "HOLD_DESTROYED"
    ]


def test_held_counts_records_not_destroyed_by_the_end_of_the_month(ctx):
    got = values(ctx)
    assert got[("retention.held", "all")] == 6
    assert got[("retention.disposed", "all")] == 2


def test_destruction_queue_is_oldest_due_first_and_skips_holds(ctx):
    queue = rt.DOMAIN.list_frame(ctx, "destruction_queue")
    assert list(queue["record_id"]) == ["LEAP", "MINOR_EARLY", "DUE_ASOF", "DUE_SOON"]


def test_the_destruction_queue_says_which_records_are_overdue_and_by_how_many_days(ctx):
    """The queue mixes records past their disposal date and records due soon: each says
    which, with its days overdue or left (due on the as-of date: 0 days left)."""
    queue = rt.DOMAIN.list_frame(ctx, "destruction_queue").set_index("record_id")
    dues = dates(ctx)
    for record in queue.index:
        due = dues[record][2]
        late = (date(2026, 10, 31) - due).days
        overdue, left = queue.at[record, "days_overdue"], queue.at[record, "days_left"]
        if late > 0:
            assert queue.at[record, "status"] == "overdue", record
            assert overdue == late and pd.isna(left)
        else:
            assert queue.at[record, "status"] == "due soon", record
            assert left == -late and pd.isna(overdue)
    assert queue.at["DUE_ASOF", "days_left"] == 0
    # September's queue reached 29 December; the latest due here, DUE_SOON, is due on
    # 14 December: every record was already on it
    assert dues["DUE_SOON"][2] == date(2026, 12, 14)
    assert not queue["new_since_last_month"].any()
