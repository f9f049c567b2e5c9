"""Placing instants in local months by comparing with the months' bounds as instants
gives the month of the instant's local date, across DST changes and month ends."""

from __future__ import annotations

import duckdb
import pytest

from analytics.period import Period
from analytics.sql import month_buckets


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"])
def test_buckets_equal_the_local_month_every_seven_minutes_of_a_year(zone):
    months = Period.parse("2026-10").trailing(12)
    b = month_buckets("ts", zone, months)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE t AS SELECT * FROM range(TIMESTAMPTZ '2025-10-30 00:00:00+00', "
        "TIMESTAMPTZ '2026-11-02 00:00:00+00', INTERVAL 7 MINUTE) r(ts)"
    )
    disagree = con.execute(
        f"""
        SELECT count(*) FILTER (label IS DISTINCT FROM
                CASE WHEN local BETWEEN $first AND $last THEN strftime(local, '%Y-%m') END),
            count(*) FILTER (inside <> (local BETWEEN $first AND $last)),
            count(*) FILTER (label IS NOT NULL)
        FROM (SELECT {b.label} AS label, {b.within} AS inside,
                     timezone($tz, ts)::DATE AS local FROM t)
        """,
        {**b.params, "first": months[0].first_day, "last": months[-1].as_of},
    ).fetchall()[0]
    assert disagree[:2] == (0, 0)
    assert disagree[2] > 70_000  # most of the year's instants fall in the twelve months


def test_buckets_refuse_months_with_a_gap():
    with pytest.raises(ValueError, match="consecutive"):
        month_buckets("ts", "UTC", [Period.parse("2026-01"), Period.parse("2026-03")])


def test_last_second_of_october_in_los_angeles_is_october():
    b = month_buckets("ts", "America/Los_Angeles", Period.parse("2026-11").trailing(2))
    got = (
        duckdb.connect()
        .execute(
            f"SELECT {b.label} FROM (SELECT unnest([TIMESTAMPTZ '2026-11-01 06:59:59+00', "
            f"TIMESTAMPTZ '2026-11-01 07:00:00+00']) AS ts)",
            b.params,
        )
        .fetchall()
    )
    assert got == [("2026-10",), ("2026-11",)]
