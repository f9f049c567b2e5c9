"""The right month by default: the last one that has ended and the export covers."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.domains import quality
from analytics.loading.coverage import default_period
from analytics.loading.loader import open_export
from analytics.period import Period, has_ended, last_ended, today
from analytics.presentation.page import banner_html
from helpers import full_export, rows
from helpers import run_cli as cli

TZ = "America/Los_Angeles"


@pytest.fixture(scope="module")
def export_with_a_row_in_2062(tmp_path_factory):
    """The base rows, a row of every continuous log on the evening of 31 October 2026 (the
    export covers October; it has no manifest), and one consent event mistyped as 2062."""
    from helpers import write_export

    tables = full_export(**on_the_evening_of_31_october())
    tables["consent_events"].append(
        {
            **tables["consent_events"][0],
            "event_id": "E2062",
            "occurred_at": "2062-09-15 17:00:00+00",
            "processed_at": None,
        }
    )
    return write_export(tables, "files_parquet", tmp_path_factory.mktemp("2062"), extracted_at=None)


def on_the_evening_of_31_october() -> dict[str, list[dict]]:
    """Each continuous log: its base row, and one more on 31 October, 19:00 local."""
    evening = "2026-11-01 02:00:00+00"
    return {
        "consent_events": rows(
            "consent_events", {}, {"event_id": "E2", "occurred_at": evening, "processed_at": None}
        ),
        "messages": rows("messages", {}, {"message_id": "M2", "sent_at": evening}),
        "disclosures": rows("disclosures", {}, {"disclosure_id": "D2", "disclosed_at": evening}),
        "access_log": rows("access_log", {}, {"access_id": "AC2", "accessed_at": evening}),
        "encounters": rows("encounters", {}, {"encounter_id": "EN2", "started_at": evening}),
    }


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 11, 26), "2026-10"),
        (date(2026, 11, 1), "2026-10"),  # October ended at midnight
        (date(2026, 10, 31), "2026-09"),  # its last day: October has not ended
        (date(2027, 3, 5), "2027-02"),
    ],
)
def test_last_ended_month_in_the_clinic_zone(on, expected):
    assert str(last_ended(TZ, on)) == expected
    assert has_ended(Period.parse(expected), TZ, on)
    assert not has_ended(Period(on.year, on.month), TZ, on)


def test_a_row_dated_2062_does_not_choose_the_period(export_with_a_row_in_2062):
    export = open_export(export_with_a_row_in_2062)
    try:
        assert str(default_period(export, TZ, on=date(2026, 11, 26))) == "2026-10"
        # before October ended, the last month that ended is September
        assert str(default_period(export, TZ, on=date(2026, 10, 20))) == "2026-09"
        later = quality.future_rows(export, TZ, date(2026, 11, 26))
        assert later.to_dict("records") == [
            {
                "table": "consent_events",
                "rows_dated_later": 1,
                "latest_local_date": later["latest_local_date"][0],
            }
        ]
        assert str(later["latest_local_date"][0])[:10] == "2062-09-15"
    finally:
        export.close()


@pytest.fixture(scope="module")
def export_into_this_month(tmp_path_factory):
    """The base rows (October 2026) and a consent event made an hour ago: the export
    covers the month under way."""
    from datetime import UTC, datetime, timedelta

    from helpers import write_export

    now = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S+00")
    events = rows("consent_events", {}, {"event_id": "E2", "occurred_at": now, "processed_at": now})
    tables = full_export(consent_events=events)
    return write_export(tables, "files_parquet", tmp_path_factory.mktemp("now"), typed=False)


def test_a_month_that_has_not_ended_is_refused_without_partial(export_into_this_month, tmp_path):
    current = Period(today(TZ).year, today(TZ).month)
    source = str(export_into_this_month)
    done = cli("run", "--source", source, "--period", str(current), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "--partial" in done.stderr
    assert not (tmp_path / "out" / str(current)).exists()


def test_a_range_is_checked_whole_before_any_month_is_written(tmp_path):
    current = Period(today(TZ).year, today(TZ).month)
    first = current.shift(-1)
    done = cli("run", "--from", str(first), "--to", str(current), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert not (tmp_path / "out" / str(first)).exists()


def test_an_incomplete_month_says_so_on_its_banner(export_into_this_month):
    from analytics.registry import open_report

    current = Period(today(TZ).year, today(TZ).month)
    ctx = open_report(export_into_this_month, str(current))
    ended = open_report(export_into_this_month, "2026-10")
    try:
        assert "Incomplete month" in banner_html(ctx, "t", "r")
        assert "Incomplete month" not in banner_html(ended, "t", "r")
    finally:
        ctx.export.close()
        ended.export.close()
