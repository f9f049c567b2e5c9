"""The messaging rules of contract v2 (quiet hours, frequency, confirmation time, revocation
in other words), each pinned by a hand-computed case. The clinic is in Los Angeles."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import pytest

from analytics.domains import consent as cs
from analytics.period import Period
from analytics.policy import PolicyError
from analytics.registry import load_policy, open_report
from helpers import full_export, run_cli, write_export


def marketing(mid, patient, sent, channel="sms") -> dict:
    return {
        "message_id": mid,
        "patient_id": patient,
        "channel": channel,
        "direction": "outbound",
        "purpose": "marketing",
        "body": None,
        "campaign_id": "CMP",
        "sent_at": sent,
    }


def outbound(mid, patient, purpose, sent) -> dict:
    return {**marketing(mid, patient, sent), "purpose": purpose, "campaign_id": None}


def inbound(mid, patient, sent, body) -> dict:
    return {
        **marketing(mid, patient, sent),
        "direction": "inbound",
        "purpose": None,
        "campaign_id": None,
        "body": body,
    }


def opt_out(eid, patient, source, occurred, method="sms_keyword") -> dict:
    return {
        "event_id": eid,
        "patient_id": patient,
        "channel": "sms",
        "purpose": "marketing",
        "action": "opt_out",
        "method": method,
        "occurred_at": occurred,
        "processed_at": occurred,
        "source_message_id": source,
    }


PATIENTS = [
    {"patient_id": "NY1", "state": "NY", "time_zone": "America/New_York"},
    {"patient_id": "AZ1", "state": "AZ", "time_zone": " america/phoenix "},  # trimmed, any case
    {"patient_id": "TX1", "state": "tx", "time_zone": "America/Chicago"},  # state any case
    {"patient_id": "FL1", "state": "FL", "time_zone": "America/New_York"},
    {"patient_id": "BAD", "state": "CA", "time_zone": "Mars/Olympus_Mons"},  # unknown zone
]

MESSAGES = [
    # quiet hours, October (Los Angeles and Phoenix are UTC-7, New York UTC-4, Chicago UTC-5)
    marketing("Q1", "LA1", "2026-10-14 03:59:59+00"),  # 20:59:59 in Los Angeles: allowed
    marketing("Q2", "LA1", "2026-10-14 04:00:00+00"),  # 21:00:00: quiet
    marketing("Q3", "NY1", "2026-10-14 01:30:00+00"),  # 18:30 Pacific is 21:30 in New York
    marketing("Q4", "TX1", "2026-10-11 16:30:00+00"),  # Sunday 11:30 in Texas: quiet
    marketing("Q4b", "TX1", "2026-10-11 17:00:00+00"),  # Sunday 12:00 in Texas: allowed
    marketing("Q5", "TX1", "2026-10-12 13:30:00+00"),  # Monday 08:30 in Texas: quiet
    marketing("Q6", "BAD", "2026-10-14 04:30:00+00"),  # unknown zone: 21:30 clinic time
    marketing("Q7", "NY1", "2026-10-20 12:30:00+00", "phone"),  # 08:30 in New York: allowed
    marketing("Q8", "NY1", "2026-10-20 03:00:00+00", "email"),  # 23:00, but e-mail
    marketing("Q9", "FL1", "2026-10-21 00:30:00+00"),  # 20:30 in Florida: after its 20:00
    # the day daylight saving time starts (8 March 2026); Phoenix keeps UTC-7
    marketing("D1", "AZ1", "2026-03-08 14:30:00+00"),  # 07:30 in Phoenix: quiet
    marketing("D2", "AZ1", "2026-03-08 15:00:00+00"),  # 08:00 in Phoenix: allowed
    marketing("D3", "NY1", "2026-03-08 12:30:00+00"),  # 08:30 EDT (07:30 if still EST)
    marketing("D4", "LA1", "2026-03-08 15:59:00+00"),  # 08:59 PDT (07:59 if still PST)
    # frequency: four within 24 hours (the fourth over), one exactly 24 h after another
    marketing("F1", "FR1", "2026-10-05 16:00:00+00"),
    marketing("F2", "FR1", "2026-10-05 17:00:00+00"),
    marketing("F3", "FR1", "2026-10-05 20:00:00+00"),
    marketing("F4", "FR1", "2026-10-06 15:59:59+00"),  # F1..F4 in 24 h: over
    marketing("F5", "FR1", "2026-10-06 17:00:00+00"),  # exactly 24 h after F2: F3..F5 only
    marketing("FE1", "FR1", "2026-10-05 18:00:00+00", "email"),  # e-mail counted apart
    marketing("FE2", "FR1", "2026-10-05 19:00:00+00", "email"),
    # the window reaches back into September
    marketing("G1", "FR2", "2026-09-30 17:00:00+00"),
    marketing("G2", "FR2", "2026-09-30 18:00:00+00"),
    marketing("G3", "FR2", "2026-09-30 19:00:00+00"),
    marketing("G4", "FR2", "2026-10-01 16:00:00+00"),  # fourth in 24 h: over, in October
    # confirmations of keyword opt-outs
    inbound("K1", "C1", "2026-10-08 17:00:00+00", "STOP"),
    outbound("K1C", "C1", "optout_confirmation", "2026-10-08 17:05:00+00"),  # 5:00: on time
    inbound("K2", "C2", "2026-10-08 18:00:00+00", "stop"),
    outbound("K2C", "C2", "optout_confirmation", "2026-10-08 18:05:01+00"),  # 5:01: late
    outbound("K3B", "C3", "optout_confirmation", "2026-10-08 18:59:00+00"),  # before: not it
    inbound("K3", "C3", "2026-10-08 19:00:00+00", "Stop"),
    outbound("K3C", "C3", "optout_confirmation", "2026-10-08 19:30:00+00"),  # its first: late
    inbound("K4", "C4", "2026-10-09 19:00:00+00", "STOP"),  # never confirmed: not late
    inbound("K5", "C5", "2026-11-01 06:58:00+00", "STOP"),  # 23:58 on 31 October
    outbound("K5C", "C5", "optout_confirmation", "2026-11-01 07:04:00+00"),  # 6 min: late
    # revocation in other words
    inbound("R1", "RV1", "2026-10-15 17:00:00+00", "No más mensajes"),
    inbound("R2", "RV1", "2026-10-15 17:01:00+00", "NO MAS"),
    inbound("R3", "RV2", "2026-10-15 17:02:00+00", "Alto"),
    inbound("R4", "RV2", "2026-10-15 17:03:00+00", "altogether a lovely visit"),
    inbound("R5", "RV3", "2026-10-15 17:04:00+00", "stop texting me"),  # a withdrawal
    inbound("R6", "RV3", "2026-10-15 17:05:00+00", "don't text me after 9"),
    inbound("R7", "RV4", "2026-10-15 17:06:00+00", "<b>remove me</b>"),
    inbound("R8", "RV5", "2026-10-15 17:07:00+00", "Por favor, no más mensajes"),  # reviewed
]

EVENTS = [
    opt_out("EK1", "C1", "K1", "2026-10-08 17:00:00+00"),
    opt_out("EK2", "C2", "K2", "2026-10-08 18:00:00+00"),
    opt_out("EK3", "C3", "K3", "2026-10-08 19:00:00+00"),
    opt_out("EK4", "C4", "K4", "2026-10-09 19:00:00+00"),
    opt_out("EK5", "C5", "K5", "2026-11-01 06:58:00+00"),
    opt_out("EK6", "RV3", "R5", "2026-10-15 17:04:00+00"),
    opt_out("ER8", "RV5", "R8", "2026-10-15 18:00:00+00", method="written"),
]


def _figures(path, period: str) -> tuple[dict, dict, object]:
    ctx = open_report(path, period)
    try:
        values = {(m["metric"], m["segment"]): m["value"] for m in cs.DOMAIN.metrics(ctx)}
        lists = {name: frame for name, frame in cs.DOMAIN.work_lists(ctx).items()}
        patients = ctx.export.tables["patients"]
    finally:
        ctx.export.close()
    return values, lists, patients


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(
        full_export(consent_events=EVENTS, messages=MESSAGES, patients=PATIENTS),
        "files_parquet",
        tmp_path_factory.mktemp("messaging"),
    )


@pytest.fixture(scope="module")
def october(export):
    return _figures(export, "2026-10")


def test_20_59_59_local_is_allowed_and_21_00_00_is_quiet(october):
    _, lists, _ = october
    quiet = set(lists["consent.quiet_hours_messages"]["message_id"])
    assert "Q1" not in quiet
    assert "Q2" in quiet


def test_new_york_patient_texted_at_18_30_pacific_is_in_quiet_hours(october):
    _, lists, _ = october
    row = lists["consent.quiet_hours_messages"].set_index("message_id").loc["Q3"]
    assert row["sent_local"] == "2026-10-13 21:30:00"
    assert row["time_zone"] == "America/New_York"
    assert row["allowed_there"] == "08:00-21:00 (federal)"


def test_texas_sunday_at_11_30_and_monday_at_08_30_are_quiet_sunday_noon_is_not(october):
    _, lists, _ = october
    table = lists["consent.quiet_hours_messages"].set_index("message_id")
    assert table.loc["Q4", "allowed_there"] == "12:00-21:00 on Sun (TX)"
    assert table.loc["Q5", "allowed_there"] == "09:00-21:00 on Mon (TX)"
    assert "Q4b" not in table.index


def test_a_state_window_narrows_the_federal_one(october):
    _, lists, _ = october
    table = lists["consent.quiet_hours_messages"].set_index("message_id")
    assert table.loc["Q9", "allowed_there"] == "08:00-20:00 on Tue (FL)"


def test_unknown_zone_is_quarantined_and_the_clinic_zone_used(october):
    _, lists, patients = october
    assert patients.rows_read == 5
    assert patients.by_reason == {"unknown_code": 1}
    row = lists["consent.quiet_hours_messages"].set_index("message_id").loc["Q6"]
    assert row["time_zone"] == "America/Los_Angeles (clinic's zone)"
    assert row["sent_local"] == "2026-10-13 21:30:00"


def test_calls_are_judged_in_the_patient_zone_and_e_mail_is_not_judged(october):
    values, lists, _ = october
    quiet = set(lists["consent.quiet_hours_messages"]["message_id"])
    assert "Q7" not in quiet and "Q8" not in quiet
    assert values[("consent.marketing_quiet_hours", "sms")] == 6  # Q2 Q3 Q4 Q5 Q6 Q9
    assert values[("consent.marketing_quiet_hours", "phone")] == 0
    assert values[("consent.marketing_quiet_hours", "all")] == 6
    assert ("consent.marketing_quiet_hours", "email") not in values


def test_phoenix_patient_on_the_day_daylight_saving_time_starts(export):
    values, lists, _ = _figures(export, "2026-03")
    assert list(lists["consent.quiet_hours_messages"]["message_id"]) == ["D1"]
    assert lists["consent.quiet_hours_messages"]["sent_local"].tolist() == ["2026-03-08 07:30:00"]
    assert values[("consent.marketing_quiet_hours", "all")] == 1


def test_four_marketing_texts_in_24_hours_one_over_and_exactly_24_hours_is_outside(october):
    values, lists, _ = october
    over = lists["consent.over_frequency_messages"].set_index("message_id")
    assert list(over.index) == ["G4", "F4"]  # in order of sending
    assert over.loc["F4", "marketing_in_24_hours"] == 4
    assert over.loc["G4", "marketing_in_24_hours"] == 4  # three of them in September
    assert values[("consent.marketing_over_frequency", "sms")] == 2


def test_sms_and_email_are_counted_apart(october):
    values, _, _ = october
    assert values[("consent.marketing_over_frequency", "email")] == 0
    assert values[("consent.marketing_over_frequency", "all")] == 2


def test_confirmation_at_5_minutes_is_on_time_and_at_5_minutes_1_second_late(october):
    values, lists, _ = october
    late = lists["consent.late_confirmations"].set_index("event_id")
    assert "EK1" not in late.index
    assert late.loc["EK2", "minutes_after"] == pytest.approx(5.0, abs=0.05)
    assert late.loc["EK2", "confirmation_id"] == "K2C"


def test_a_confirmation_before_the_stop_is_not_its_confirmation(october):
    _, lists, _ = october
    late = lists["consent.late_confirmations"].set_index("event_id")
    assert late.loc["EK3", "confirmation_id"] == "K3C"
    assert late.loc["EK3", "minutes_after"] == 30.0


def test_no_confirmation_is_not_late_and_one_after_the_month_end_counts(october):
    values, lists, _ = october
    late = lists["consent.late_confirmations"].set_index("event_id")
    assert "EK4" not in late.index
    assert late.loc["EK5", "opt_out_local"] == "2026-10-31 23:58:00"
    assert late.loc["EK5", "minutes_after"] == 6.0
    assert values[("consent.late_optout_confirmations", "sms")] == 3  # EK2 EK3 EK5
    assert values[("consent.late_optout_confirmations", "all")] == 3


def test_months_computed_in_one_pass_keep_each_rule_in_its_month(export):
    """September to November in one pass (a back-fill, the overview's history) give each
    month the figures it has computed alone: G4, the fourth text in 24 hours whose window
    reaches into September, is October's; the STOP at 23:58 on 31 October confirmed six
    minutes later, in November (EK5), is October's late confirmation, not November's."""
    ctx = open_report(export, "2026-11")
    months = [Period.parse(m) for m in ("2026-09", "2026-10", "2026-11")]
    try:
        cs.metrics.prefetch(ctx, months)
        together = {str(p): _values(cs.DOMAIN.metrics(replace(ctx, period=p))) for p in months}
        ctx.export.figures.clear()
        alone = {str(p): _values(cs.DOMAIN.metrics(replace(ctx, period=p))) for p in months}
    finally:
        ctx.export.close()
    assert together == alone
    frequency, late = "consent.marketing_over_frequency", "consent.late_optout_confirmations"
    assert [together[m][(frequency, "sms")] for m in ("2026-09", "2026-10", "2026-11")] == [0, 2, 0]
    assert [together[m][(late, "sms")] for m in ("2026-09", "2026-10", "2026-11")] == [0, 3, 0]
    assert together["2026-09"][("consent.marketing_quiet_hours", "sms")] == 0  # 10:00-12:00


def _values(rows) -> dict:
    return {(m["metric"], m["segment"]): m["value"] for m in rows}


@pytest.mark.parametrize(
    ("message", "flagged"),
    [
        ("R1", True),  # "No más mensajes"
        ("R2", True),  # "NO MAS"
        ("R3", True),  # "Alto"
        ("R4", False),  # "altogether": not a whole word
        ("R5", False),  # "stop texting me": a withdrawal, not a possible revocation
        ("R6", True),  # "don't text me after 9"
        ("R7", True),  # "<b>remove me</b>"
        ("R8", False),  # reviewed: an opt-out names it
    ],
)
def test_revocation_in_other_words(october, message, flagged):
    _, lists, _ = october
    assert (message in set(lists["consent.possible_revocations"]["message_id"])) is flagged


def test_possible_revocations_counted_with_phrases_and_text_as_received(october):
    values, lists, _ = october
    table = lists["consent.possible_revocations"].set_index("message_id")
    assert table.loc["R1", "phrases_found"] == "no mas"
    assert table.loc["R6", "phrases_found"] == "don't text"
    assert table.loc["R7", "text_as_received"] == "<b>remove me</b>"
    assert values[("consent.possible_revocations", "sms")] == 5
    assert values[("consent.possible_revocations", "all")] == 5
    assert ("consent.possible_revocations", "email") not in values


def test_without_a_patients_table_everyone_is_in_the_clinic_zone(tmp_path):
    tables = full_export(consent_events=EVENTS, messages=MESSAGES)
    del tables["patients"]
    values, lists, patients = _figures(write_export(tables, "files_parquet", tmp_path), "2026-10")
    assert not patients.present
    quiet = set(lists["consent.quiet_hours_messages"]["message_id"])
    assert "Q3" not in quiet  # 18:30 in Los Angeles
    assert "Q4" not in quiet  # 09:30 in Los Angeles: Texas's Sunday rule needs a state
    # 21:00, 06:30, 21:30 and 05:30 (a call) in Los Angeles
    assert sorted(quiet) == ["Q2", "Q5", "Q6", "Q7"]
    assert values[("consent.marketing_quiet_hours", "all")] == 4


def test_validate_says_what_an_absent_patients_table_means(tmp_path):
    tables = full_export()
    del tables["patients"]
    done = run_cli("validate", str(write_export(tables, "files_parquet", tmp_path)))
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("patients "))
    assert line.split(None, 1)[1] == (
        "(absent: optional: every patient is in the clinic's time zone, with no state)"
    )


def test_an_absent_patients_table_is_not_a_data_problem(tmp_path):
    from analytics.domains.quality import data_problems

    tables = full_export()
    del tables["patients"]
    ctx = open_report(write_export(tables, "files_parquet", tmp_path), "2026-10")
    try:
        assert "patients" not in data_problems(ctx)
    finally:
        ctx.export.close()


def test_calling_windows_narrow_to_the_federal_window():
    section = load_policy().section("consent", cs.ConsentPolicy)
    windows = {(s, d): (a, b) for s, d, a, b, _ in section.window_rows()}
    assert windows[(None, 7)] == ("08:00", "21:00")
    assert windows[("TX", 7)] == ("12:00", "21:00")
    assert windows[("TX", 1)] == ("09:00", "21:00")
    assert windows[("CT", 3)] == ("09:00", "20:00")
    wide = dataclasses.replace(section.calling_windows[1], starts="07:00", ends="22:00")
    assert wide.states == ["CT"]
    narrowed = dataclasses.replace(section, calling_windows=[section.calling_windows[0], wide])
    assert {(s, d): (a, b) for s, d, a, b, _ in narrowed.window_rows()}[("CT", 1)] == (
        "08:00",
        "21:00",
    )


def test_a_policy_without_a_federal_sunday_is_refused(tmp_path):
    text = Path(load_policy().path).read_text(encoding="utf-8")
    federal = '\nstarts = "08:00"\nends = "21:00"'
    week = 'days = ["mon", "tue", "wed", "thu", "fri", "sat"'
    broken = text.replace(week + ', "sun"]' + federal, week + "]" + federal, 1)
    assert broken != text
    path = tmp_path / "policy.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(PolicyError, match="federal windows"):
        load_policy(path)
