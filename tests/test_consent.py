"""Consent and opt-out figures, each rule pinned by a hand-computed case (October 2026)."""

from __future__ import annotations

import duckdb
import pytest

from analytics.domains import consent as cs
from analytics.registry import load_policy, open_report
from helpers import full_export, write_export

WORDS = load_policy().data["consent"]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("Stop", "withdrawal"),
        (" STOP ", "withdrawal"),
        ("stop please", "withdrawal"),
        ("UNSUBSCRIBE", "withdrawal"),
        ("opt out", "withdrawal"),
        ("Opt   Out now", "withdrawal"),
        ("optout", "withdrawal"),
        ("Stop all", "withdrawal"),
        ("STOP!!", "withdrawal"),
        ("please cancel.", "withdrawal"),
        ("don't text me", "other"),
        ("HELP", "help"),
        ("Help?", "help"),
        ("help stop", "withdrawal"),
        ("Helpful", "other"),
        ("Stopwatch", "other"),
        ("unstoppable", "other"),
        ("the weekend works", "other"),
        ("", "other"),
    ],
)
def test_keyword_classification(body, kind):
    withdraw = cs.keyword_pattern(WORDS["withdrawal_words"])
    help_ = cs.keyword_pattern(WORDS["help_words"])
    got = duckdb.execute(
        "SELECT CASE WHEN regexp_matches(lower($b), $w) THEN 'withdrawal' "
        "WHEN regexp_matches(lower($b), $h) THEN 'help' ELSE 'other' END",
        {"b": body, "w": withdraw, "h": help_},
    ).fetchall()[0][0]
    assert got == kind


def event(
    eid, patient, channel, purpose, action, occurred, processed, method="web_form", source=None
) -> dict:
    return {
        "event_id": eid,
        "patient_id": patient,
        "channel": channel,
        "purpose": purpose,
        "action": action,
        "method": method,
        "occurred_at": occurred,
        "processed_at": processed,
        "source_message_id": source,
    }


def message(mid, patient, channel, direction, purpose, sent, body=None) -> dict:
    return {
        "message_id": mid,
        "patient_id": patient,
        "channel": channel,
        "direction": direction,
        "purpose": purpose,
        "body": body,
        "campaign_id": "CMP" if purpose == "marketing" else None,
        "sent_at": sent,
    }


EVENTS = [
    event("E1", "A", "sms", "marketing", "opt_in", "2026-10-01 10:00:00", "2026-10-01 10:05:00"),
    event(
        "E2",
        "A",
        "sms",
        "all",
        "opt_out",
        "2026-10-10 12:00:00",
        "2026-10-10 12:30:00",
        "sms_keyword",
        "I1",
    ),
    event("E3", "A", "sms", "marketing", "opt_in", "2026-10-20 12:00:00", "2026-10-20 13:00:00"),
    # opt-in and opt-out at the same instant: the opt-out wins
    event("E4", "B", "sms", "marketing", "opt_in", "2026-10-05 12:00:00", "2026-10-05 12:10:00"),
    event("E5", "B", "sms", "marketing", "opt_out", "2026-10-05 12:00:00", "2026-10-05 14:00:00"),
    # 'all' covers marketing; a service opt-out does not touch marketing
    event("E6", "C", "email", "all", "opt_in", "2026-10-01 09:00:00", "2026-10-01 10:00:00"),
    event("E7", "C", "email", "service", "opt_out", "2026-10-02 09:00:00", "2026-10-02 12:00:00"),
    # an e-mail opt-out does not stop SMS; processed after 30 hours (late)
    event("E8", "D", "sms", "marketing", "opt_in", "2026-10-01 09:00:00", "2026-10-01 09:01:00"),
    event("E9", "D", "email", "marketing", "opt_out", "2026-10-02 09:00:00", "2026-10-03 15:00:00"),
    # never processed (late)
    event("E10", "D", "sms", "all", "opt_out", "2026-10-15 09:00:00", None, "phone_call"),
    # September: outside the period
    event("E0", "Z", "sms", "marketing", "opt_in", "2026-09-15 09:00:00", "2026-09-15 09:00:00"),
]

MESSAGES = [
    message("M1", "A", "sms", "outbound", "marketing", "2026-10-10 11:59:59"),  # the second before
    message("M2", "A", "sms", "outbound", "marketing", "2026-10-10 12:00:01"),  # a second after
    message("M3", "A", "sms", "outbound", "marketing", "2026-10-21 12:00:00"),  # after re-opt-in
    message("M4", "B", "sms", "outbound", "marketing", "2026-10-06 12:00:00"),  # tie: opted out
    message("M5", "C", "email", "outbound", "marketing", "2026-10-03 12:00:00"),  # fine
    message("M6", "C", "sms", "outbound", "marketing", "2026-10-03 12:00:00"),  # no consent
    message("M7", "D", "sms", "outbound", "marketing", "2026-10-03 12:00:00"),  # fine
    message("I1", "A", "sms", "inbound", None, "2026-10-10 12:00:00", "stop please"),
    message(
        "I2",
        "D",
        "sms",
        "inbound",
        None,
        "2026-10-12 12:00:00",
        "<script>alert(1)</script> UNSUBSCRIBE",
    ),
    message("I3", "D", "sms", "inbound", None, "2026-10-12 13:00:00", "Stopwatch"),
    message("H1", "A", "sms", "inbound", None, "2026-10-11 10:00:00", "HELP"),
    message("R1", "A", "sms", "outbound", "help_reply", "2026-10-11 10:59:00"),  # 59 min
    message("H2", "B", "sms", "inbound", None, "2026-10-11 11:00:00", "help me"),
    message("R2", "B", "sms", "outbound", "help_reply", "2026-10-11 12:01:00"),  # 61 min
    message("H3", "C", "sms", "inbound", None, "2026-10-11 11:00:00", "help stop"),
    message("C1", "A", "sms", "outbound", "optout_confirmation", "2026-10-10 12:31:00"),
    message("C2", "A", "sms", "outbound", "optout_confirmation", "2026-10-10 14:00:00"),
]


@pytest.fixture(scope="module")
def got(tmp_path_factory):
    path = write_export(
        full_export(consent_events=EVENTS, messages=MESSAGES),
        "files_parquet",
        tmp_path_factory.mktemp("consent"),
    )
    ctx = open_report(path, "2026-10")
    values = {(m["metric"], m["segment"]): m["value"] for m in cs.DOMAIN.metrics(ctx)}
    lists = {
        "forbidden": cs.DOMAIN.list_frame(ctx, "forbidden_marketing"),
        "missed": cs.DOMAIN.list_frame(ctx, "missed_keyword_optouts"),
        "help": cs.DOMAIN.list_frame(ctx, "unanswered_help"),
        "late": cs.DOMAIN.list_frame(ctx, "late_optouts"),
    }
    ctx.export.close()
    return values, lists


def test_marketing_a_second_after_an_opt_out_is_flagged_and_the_second_before_is_not(got):
    _, lists = got
    flagged = dict(
        zip(lists["forbidden"]["message_id"], lists["forbidden"]["problem"], strict=True)
    )
    assert "M1" not in flagged
    assert flagged["M2"] == "after opt-out"


def test_same_instant_opt_in_and_opt_out_counts_as_opt_out(got):
    _, lists = got
    row = lists["forbidden"].set_index("message_id").loc["M4"]
    assert row["problem"] == "after opt-out" and row["forbidding_event"] == "E5"


def test_re_opt_in_after_opt_out_allows_marketing_again(got):
    assert "M3" not in set(got[1]["forbidden"]["message_id"])


def test_purpose_all_covers_marketing_and_service_opt_out_does_not(got):
    assert "M5" not in set(got[1]["forbidden"]["message_id"])


def test_email_opt_out_does_not_stop_sms(got):
    assert "M7" not in set(got[1]["forbidden"]["message_id"])


def test_marketing_without_any_consent_on_the_channel(got):
    values, lists = got
    row = lists["forbidden"].set_index("message_id").loc["M6"]
    assert row["problem"] == "no consent on record"
    assert values[("consent.marketing_without_consent", "sms")] == 1
    assert values[("consent.marketing_without_consent", "email")] == 0


def test_counts_by_channel_and_pooled(got):
    values, _ = got
    assert values[("consent.marketing_after_optout", "sms")] == 2
    assert values[("consent.marketing_after_optout", "all")] == 2
    assert values[("consent.opt_ins", "all")] == 5
    assert values[("consent.opt_outs", "all")] == 5
    assert values[("consent.opt_ins", "sms")] == 4
    assert values[("consent.opt_outs", "email")] == 2
    assert values[("consent.marketing_sent", "all")] == 7


def test_processing_hours_median_and_p95(got):
    values, _ = got
    # processed opt-outs: E2 0.5 h, E5 2 h (sms); E7 3 h, E9 30 h (email); E10 never
    assert values[("consent.optout_hours_median", "all")] == pytest.approx(2.5)
    # p95 of [0.5, 2, 3, 30]: position 0.95 * 3 = 2.85, so 3 + 0.85 * 27
    assert values[("consent.optout_hours_p95", "all")] == pytest.approx(25.95)
    assert values[("consent.optout_hours_median", "sms")] == pytest.approx(1.25)
    assert values[("consent.optout_hours_median", "email")] == pytest.approx(16.5)
    assert ("consent.optout_hours_median", "phone") not in values  # no phone data at all


def test_opt_out_histogram_bins_close_on_the_right_so_the_limit_itself_is_on_time(tmp_path):
    """Bins of one hour for the 24-hour limit, counted in SQL: processed at the instant
    it occurred -> bin 1; exactly 1 h -> bin 1; exactly 24 h -> bin 24 (on time); 24 h
    and 36 s -> bin 25; 100 h -> the bin past 48 h (49, no upper edge). The never
    processed opt-out and September's are not drawn."""
    events = [
        event(
            "B1", "A", "sms", "marketing", "opt_out", "2026-10-01 10:00:00", "2026-10-01 10:00:00"
        ),
        event(
            "B2", "B", "sms", "marketing", "opt_out", "2026-10-02 10:00:00", "2026-10-02 11:00:00"
        ),
        event(
            "B3", "C", "sms", "marketing", "opt_out", "2026-10-03 10:00:00", "2026-10-04 10:00:00"
        ),
        event(
            "B4", "D", "sms", "marketing", "opt_out", "2026-10-05 10:00:00", "2026-10-06 10:00:36"
        ),
        event("B5", "E", "email", "all", "opt_out", "2026-10-07 10:00:00", "2026-10-11 14:00:00"),
        event("B6", "F", "sms", "all", "opt_out", "2026-10-08 10:00:00", None),
        event("B7", "G", "sms", "all", "opt_out", "2026-09-08 10:00:00", "2026-09-30 10:00:00"),
    ]
    path = write_export(full_export(consent_events=events, messages=[]), "files_parquet", tmp_path)
    ctx = open_report(path, "2026-10")
    bins, width = cs.optout_hours_bins(ctx)
    ctx.export.close()
    assert width == 1.0
    assert list(bins["bin"]) == [1, 24, 25, 49]
    assert list(bins["opt_outs"]) == [2, 1, 1, 1]
    assert list(bins["up_to_hours"].fillna(-1)) == [1.0, 24.0, 25.0, -1]
    assert list(bins["longest_hours"]) == pytest.approx([1.0, 24.0, 24.01, 100.0])


def test_opt_out_never_processed_and_one_processed_late_are_late(got):
    values, lists = got
    assert values[("consent.optouts_late", "all")] == 2
    assert sorted(lists["late"]["event_id"]) == ["E10", "E9"]
    assert list(lists["late"].set_index("event_id").loc[["E10"], "processed_local"]) == [
        "not processed"
    ]


def test_missed_keyword_opt_outs_and_help_that_is_a_withdrawal(got):
    values, lists = got
    assert values[("consent.missed_keyword_optouts", "sms")] == 2
    assert sorted(lists["missed"]["message_id"]) == ["H3", "I2"]
    assert ("consent.missed_keyword_optouts", "email") not in values


def test_help_answered_after_59_minutes_but_not_after_61(got):
    values, lists = got
    assert values[("consent.help_requests", "sms")] == 2
    assert values[("consent.help_unanswered", "sms")] == 1
    assert list(lists["help"]["message_id"]) == ["H2"]
    assert list(lists["help"]["replied"]) == ["61 minutes later"]


def test_one_confirmation_after_an_opt_out_is_allowed(got):
    values, _ = got
    assert values[("consent.extra_optout_confirmations", "sms")] == 1


def test_marketing_coverage_at_month_end(got):
    values, _ = got
    # known patients: A, B, C, D, Z = 5; live marketing opt-in at the end of October:
    # sms A (re-opted in) and Z; email C (purpose all) -> sms 2/5, email 1/5, any 3/5
    assert values[("consent.marketing_coverage_rate", "sms")] == pytest.approx(2 / 5)
    assert values[("consent.marketing_coverage_rate", "email")] == pytest.approx(1 / 5)
    assert values[("consent.marketing_coverage_rate", "all")] == pytest.approx(3 / 5)


def test_second_confirmation_in_a_new_month_is_extra(tmp_path):
    """Confirmations are numbered over all history: the first went out last month, so
    the month's one is the second for that opt-out (and last month had none extra)."""
    events = [
        event(
            "Q1", "Q", "sms", "marketing", "opt_in", "2026-08-01 17:00:00", "2026-08-01 17:00:00"
        ),
        event("Q2", "Q", "sms", "all", "opt_out", "2026-09-29 18:00:00", "2026-09-29 18:00:00"),
    ]
    messages = [
        message("QC1", "Q", "sms", "outbound", "optout_confirmation", "2026-09-29 18:01:00"),
        message("QC2", "Q", "sms", "outbound", "optout_confirmation", "2026-10-02 18:00:00"),
    ]
    path = write_export(
        full_export(consent_events=events, messages=messages), "files_parquet", tmp_path
    )
    extra = {}
    for period in ("2026-09", "2026-10"):
        ctx = open_report(path, period)
        values = {(m["metric"], m["segment"]): m["value"] for m in cs.DOMAIN.metrics(ctx)}
        extra[period] = values[("consent.extra_optout_confirmations", "sms")]
        ctx.export.close()
    assert extra == {"2026-09": 0, "2026-10": 1}
