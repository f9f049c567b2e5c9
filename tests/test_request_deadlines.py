"""Rights-request deadlines and SLA figures, each rule pinned by a hand-computed case.

Times are written in UTC as the export holds them; Los Angeles is UTC-8 in winter (PST)
and UTC-7 from 2026-03-08 to 2026-11-01 (PDT).
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics.domains import requests as rr
from analytics.registry import open_report
from helpers import full_export, opened, write_export


def request(rid: str, **kw) -> dict:
    base = {
        "request_id": rid,
        "patient_id": "P1",
        "regime": "hipaa",
        "request_type": "access",
        "channel": "web",
        "received_at": None,
        "acknowledged_at": None,
        "verified_at": None,
        "extended_at": None,
        "extension_reason": None,
        "closed_at": None,
        "outcome": None,
        "denial_reason": None,
    }
    return {**base, **kw}


CASES = [
    # received 23:30 PST on 31 January = 07:30 UTC on 1 February: a January request
    request("TZ", received_at="2026-02-01 07:30:00"),
    # 15 business days from Friday 20 Nov 2026 across Thanksgiving (26 Nov): 14 Dec, not 11 Dec
    request(
        "THANKS",
        regime="ccpa",
        request_type="opt_out_sale_share",
        received_at="2026-11-20 18:00:00",
    ),
    # 10 business days from Friday 26 Jun 2026 across Independence Day observed on Fri 3 Jul
    request("JULY4", request_type="marketing_opt_out", received_at="2026-06-26 17:00:00"),
    # amend, 60 + 30 days: original due 6 Mar; told of the extension at 15:00 PST on 6 Mar
    request(
        "EXT_OK",
        request_type="amend",
        received_at="2026-01-05 18:00:00",
        extended_at="2026-03-06 23:00:00",
        closed_at="2026-04-01 18:00:00",
        outcome="fulfilled",
    ),
    # ... and told one day after the original due date: no extension, answered late
    request(
        "EXT_LATE",
        request_type="amend",
        received_at="2026-01-05 18:00:00",
        extended_at="2026-03-07 18:00:00",
        closed_at="2026-04-01 18:00:00",
        outcome="fulfilled",
    ),
    # access received 2 Mar, due 17 Mar; answered 23:00 PDT on 17 Mar (06:00 UTC 18 Mar)
    request(
        "ON_DUE",
        received_at="2026-03-02 18:00:00",
        closed_at="2026-03-18 06:00:00",
        outcome="fulfilled",
    ),
    # open at the end of 31 Oct: due 31 Oct (not yet overdue) and due 30 Oct (overdue)
    request("DUE_ASOF", received_at="2026-10-16 17:00:00"),
    request("DUE_BEFORE", received_at="2026-10-15 17:00:00"),
    # withdrawn in October: counted apart, not among the answered
    request(
        "WITHDRAWN",
        received_at="2026-10-05 17:00:00",
        closed_at="2026-10-06 17:00:00",
        outcome="withdrawn",
    ),
    # CCPA delete received Thu 1 Oct: acknowledgment due 16 Oct (Columbus Day 12 Oct is off);
    # acknowledged late (20 Oct) but answered 14 Oct, inside the window: on time
    request(
        "ACK_BY_ANSWER",
        regime="ccpa",
        request_type="delete",
        received_at="2026-10-01 17:00:00",
        acknowledged_at="2026-10-20 17:00:00",
        closed_at="2026-10-14 17:00:00",
        outcome="fulfilled",
    ),
    # CCPA know received 1 Oct, acknowledged 19 Oct and answered 29 Oct: acknowledged late
    request(
        "ACK_LATE",
        regime="ccpa",
        request_type="know",
        received_at="2026-10-01 17:00:00",
        acknowledged_at="2026-10-19 17:00:00",
        closed_at="2026-10-29 17:00:00",
        outcome="denied",
        denial_reason="exempt_phi",
    ),
    # year-to-date 7102 table: a PHI-exempt denial in April, a partial in February,
    # and a December 2025 request outside the year
    request(
        "Y_DENIED",
        regime="ccpa",
        request_type="know",
        received_at="2026-03-10 17:00:00",
        closed_at="2026-04-01 17:00:00",
        outcome="denied",
        denial_reason="exempt_phi",
    ),
    request(
        "Y_PARTIAL",
        regime="ccpa",
        request_type="delete",
        received_at="2026-02-02 18:00:00",
        closed_at="2026-02-20 18:00:00",
        outcome="partial",
    ),
    request(
        "Y_OLD",
        regime="ccpa",
        request_type="know",
        received_at="2025-12-15 18:00:00",
        closed_at="2026-01-10 18:00:00",
        outcome="fulfilled",
    ),
    # access answered on day 20: late under the default 15 days
    request(
        "DAY20",
        received_at="2026-10-01 17:00:00",
        closed_at="2026-10-21 17:00:00",
        outcome="fulfilled",
    ),
]


@pytest.fixture(scope="module")
def export_path(tmp_path_factory):
    return write_export(
        full_export(requests=CASES), "files_parquet", tmp_path_factory.mktemp("req")
    )


def per_request(path, period="2026-10", policy=None) -> dict:
    ctx = opened(path, period, policy)
    rr.QUERIES.ensure(ctx, "request_deadlines")
    found = ctx.export.con.execute(
        "SELECT request_id, received_date, original_due_date, due_date, valid_extension, "
        "on_time, ack_due_date FROM request_deadlines"
    ).fetchall()
    return {r[0]: r[1:] for r in found}


def values(path, period="2026-10", policy=None) -> dict:
    ctx = opened(path, period, policy)
    return {(m["metric"], m["segment"]): m["value"] for m in rr.DOMAIN.metrics(ctx)}


def test_time_zone_boundary_last_evening_of_january_is_january(export_path):
    rows = per_request(export_path)
    assert rows["TZ"][0] == date(2026, 1, 31)
    assert rows["TZ"][2] == date(2026, 2, 15)
    assert values(export_path, "2026-01")[("requests.received", "access")] == 1
    assert values(export_path, "2026-02")[("requests.received", "access")] == 0


def test_business_day_deadline_skips_thanksgiving(export_path):
    assert per_request(export_path)["THANKS"][2] == date(2026, 12, 14)


def test_business_day_deadline_skips_a_weekend_holiday_observed_on_friday(export_path):
    assert per_request(export_path)["JULY4"][2] == date(2026, 7, 13)


def test_extension_notified_on_the_original_due_date_counts(export_path):
    received, original, due, valid, on_time, _ = per_request(export_path)["EXT_OK"]
    assert (original, due, valid, on_time) == (date(2026, 3, 6), date(2026, 4, 5), True, True)


def test_extension_notified_a_day_late_does_not_count(export_path):
    _, original, due, valid, on_time, _ = per_request(export_path)["EXT_LATE"]
    assert (original, due, valid, on_time) == (date(2026, 3, 6), date(2026, 3, 6), False, False)
    got = values(export_path, "2026-04")
    assert got[("requests.closed", "amend")] == 2
    assert got[("requests.extended", "amend")] == 1
    assert got[("requests.on_time_rate", "amend")] == 0.5


def test_answered_late_evening_on_the_due_date_is_on_time(export_path):
    _, _, due, _, on_time, _ = per_request(export_path)["ON_DUE"]
    assert due == date(2026, 3, 17) and on_time is True
    assert values(export_path, "2026-03")[("requests.median_days_to_close", "access")] == 15.0


def test_open_request_due_on_the_as_of_date_is_not_yet_overdue(export_path):
    rows = per_request(export_path)
    assert rows["DUE_ASOF"][2] == date(2026, 10, 31)
    assert rows["DUE_BEFORE"][2] == date(2026, 10, 30)
    got = values(export_path)
    # overdue at the end of 31 Oct: DUE_BEFORE, and TZ (due 15 Feb, never answered)
    assert got[("requests.open_overdue", "access")] == 2


def test_withdrawn_request_is_counted_apart(export_path):
    got = values(export_path)
    assert got[("requests.withdrawn", "access")] == 1
    # answered in October: DAY20 only (WITHDRAWN is not an answer)
    assert got[("requests.closed", "access")] == 1
    assert got[("requests.closed_on_time", "access")] == 0
    assert got[("requests.on_time_rate", "access")] == 0.0


def test_ccpa_acknowledgment_window_and_answer_inside_it(export_path):
    rows = per_request(export_path)
    assert rows["ACK_BY_ANSWER"][5] == date(2026, 10, 16)
    got = values(export_path)
    assert got[("requests.ack_on_time_rate", "delete")] == 1.0
    assert got[("requests.ack_on_time_rate", "know")] == 0.0
    assert got[("requests.ack_on_time_rate", "all")] == 0.5
    assert ("requests.ack_on_time_rate", "access") not in got


def test_pooled_figures_are_pooled_not_averaged(export_path):
    got = values(export_path)
    # answered in October, not withdrawn: ACK_BY_ANSWER (13 days, on time),
    # ACK_LATE (28 days, on time: due 15 Nov), DAY20 (20 days, late)
    assert got[("requests.closed", "all")] == 3
    assert got[("requests.closed_on_time", "all")] == 2
    assert got[("requests.on_time_rate", "all")] == pytest.approx(2 / 3)
    assert got[("requests.median_days_to_close", "all")] == 20.0
    assert got[("requests.received", "all")] == 6


def test_ccpa_7102_year_to_date_with_a_phi_exempt_denial(export_path):
    got = values(export_path)
    # received in 2026 through 31 Oct: Y_DENIED, Y_PARTIAL, ACK_BY_ANSWER, ACK_LATE
    assert got[("ccpa.received", "all")] == 4
    assert got[("ccpa.complied", "all")] == 2  # Y_PARTIAL, ACK_BY_ANSWER
    assert got[("ccpa.denied", "all")] == 2
    assert got[("ccpa.denied_exempt_phi", "all")] == 2
    assert got[("ccpa.denied", "know")] == 2
    assert got[("ccpa.received", "delete")] == 2
    # days to respond: 18 (Y_PARTIAL), 22 (Y_DENIED), 13, 28
    assert got[("ccpa.median_days", "all")] == 20.0
    assert got[("ccpa.mean_days", "all")] == pytest.approx(20.25)
    assert ("ccpa.received", "opt_out_sale_share") not in got  # none this year to date


def test_policy_file_override_changes_one_deadline(export_path, tmp_path):
    from analytics.policy import default_policy_path

    text = default_policy_path().read_text()
    marker = 'request_type = "access"\ndays = 15'
    assert marker in text
    custom = tmp_path / "policy.toml"
    custom.write_text(text.replace(marker, 'request_type = "access"\ndays = 30'))
    assert per_request(export_path, policy=custom)["DAY20"][2] == date(2026, 10, 31)
    assert values(export_path, policy=custom)[("requests.on_time_rate", "access")] == 1.0
    assert values(export_path)[("requests.on_time_rate", "access")] == 0.0


def test_every_request_type_has_a_row_and_pooled_all(export_path):
    got = values(export_path)
    segments = {s for (m, s) in got if m == "requests.received"}
    assert segments == {
        "all",
        "access",
        "amend",
        "marketing_opt_out",
        "opt_out_sale_share",
        "delete",
        "know",
    }


def test_regime_and_type_that_do_not_belong_together_are_quarantined(tmp_path):
    from analytics.loading.loader import open_export

    bad = request("MIX", regime="hipaa", request_type="delete", received_at="2026-10-01 17:00")
    export = open_export(write_export(full_export(requests=[bad]), "files_parquet", tmp_path))
    assert export.tables["requests"].by_reason == {"unknown_code": 1}
    export.close()


def test_a_second_policy_on_the_same_connection_rebuilds_the_deadlines(export_path, tmp_path):
    """Derived tables are cached per connection under the policy file's hash: the same
    open export read with another policy gives that policy's figures, not the first's."""
    from dataclasses import replace

    from analytics.policy import default_policy_path
    from analytics.registry import load_policy

    custom = tmp_path / "policy.toml"
    text = default_policy_path().read_text()
    custom.write_text(
        text.replace('request_type = "access"\ndays = 15', 'request_type = "access"\ndays = 30')
    )
    ctx = open_report(export_path, "2026-10")
    try:
        first = rr.DOMAIN.metrics(ctx)
        second = rr.DOMAIN.metrics(replace(ctx, policy=load_policy(custom)))
        again = rr.DOMAIN.metrics(ctx)
    finally:
        ctx.export.close()

    def on_time(rows):
        return next(
            r["value"]
            for r in rows
            if r["metric"] == "requests.on_time_rate" and r["segment"] == "access"
        )

    assert (on_time(first), on_time(second), on_time(again)) == (0.0, 1.0, 0.0)
