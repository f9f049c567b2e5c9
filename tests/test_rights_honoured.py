"""Rights honoured in October 2026, each rule pinned by hand-made rows.

Times are UTC; the clinic's local dates are Los Angeles dates (PDT, UTC-7, in September and
October 2026: 17:00 UTC is 10:00 local, the same date).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from analytics.domains import rights_honoured as rh
from analytics.period import Period
from analytics.policy import default_policy_path
from analytics.presentation.index import tiles
from analytics.registry import DOMAINS, open_report
from helpers import full_export, write_export


def restriction(rid, patient, requested, decision, decided, **kw) -> dict:
    row = {
        "restriction_id": rid,
        "patient_id": patient,
        "requested_at": requested,
        "decision": decision,
        "decided_at": decided,
        "recipient_type": None,
        "purpose": None,
        "self_pay": False,
        "ended_at": None,
    }
    return {**row, **kw}


def disclosure(did, patient, at, recipient_type, purpose, **kw) -> dict:
    row = {
        "disclosure_id": did,
        "patient_id": patient,
        "disclosed_at": at,
        "recipient_name": "Recipient",
        "recipient_address": None,
        "recipient_type": recipient_type,
        "purpose": purpose,
        "data_categories": "phi",
        "description": "Records",
        "authorization_id": None,
        "vendor_id": None,
    }
    return {**row, **kw}


def message(mid, patient, channel, purpose, at) -> dict:
    return {
        "message_id": mid,
        "patient_id": patient,
        "channel": channel,
        "direction": "outbound",
        "purpose": purpose,
        "body": None,
        "campaign_id": None,
        "sent_at": at,
    }


def complaint(cid, received, resolved, outcome, topic, regulator=None) -> dict:
    return {
        "complaint_id": cid,
        "patient_id": "P" + cid,
        "received_at": received,
        "channel": "email",
        "topic": topic,
        "regulator": regulator,
        "resolved_at": resolved,
        "outcome": outcome,
    }


def medical(rid, patient, created, record_class="medical") -> dict:
    return {
        "record_id": rid,
        "patient_id": patient,
        "record_class": record_class,
        "created_at": created,
        "last_activity_at": created,
        "birth_date": None,
        "legal_hold": False,
        "disposed_at": None,
    }


def ack(aid, patient, recorded, status="signed") -> dict:
    return {
        "acknowledgment_id": aid,
        "patient_id": patient,
        "notice_version": "2025-01",
        "recorded_at": recorded,
        "status": status,
    }


RESTRICTIONS = [
    # self-pay, health plan, payment: agreed 10-10 17:00:00, ended 10-20 17:00:00
    restriction(
        "RA", "PA", "2026-10-09 17:00:00", "agreed", "2026-10-10 17:00:00",
        recipient_type="health_plan", purpose="payment", self_pay=True,
        ended_at="2026-10-20 17:00:00",
    ),
    # no scope: covers every disclosure of PB (requested in September)
    restriction("RB", "PB", "2026-09-28 17:00:00", "agreed", "2026-10-01 17:00:00"),
    # a self-pay request denied: a violation
    restriction(
        "RC", "PC", "2026-10-14 17:00:00", "denied", "2026-10-15 17:00:00",
        recipient_type="health_plan", purpose="payment", self_pay=True,
    ),
    # still undecided
    restriction("RD", "PD", "2026-10-20 17:00:00", None, None, purpose="research"),
]  # fmt: skip

DISCLOSURES = [
    # one second before RA was agreed: not broken; at the instant: broken; at its end: not
    disclosure("D_BEFORE", "PA", "2026-10-10 16:59:59", "health_plan", "payment"),
    disclosure("D_AT", "PA", "2026-10-10 17:00:00", "health_plan", "payment"),
    disclosure("D_ENDED", "PA", "2026-10-20 17:00:00", "health_plan", "payment"),
    # RB has no scope: any disclosure breaks it ...
    disclosure("D_ANY", "PB", "2026-10-05 17:00:00", "researcher", "research"),
    # ... but not one for a purpose no restriction can stop, nor one to the patient
    disclosure("D_LAW", "PB", "2026-10-06 17:00:00", "government", "required_by_law"),
    disclosure("D_PATIENT", "PB", "2026-10-07 17:00:00", "patient", "other"),
    # an authorization does not exempt a disclosure from an agreed restriction
    disclosure(
        "D_AUTH", "PB", "2026-10-08 17:00:00", "marketing_partner", "marketing",
        authorization_id="AUTH-1",
    ),
]  # fmt: skip

PREFERENCES = [
    {
        "preference_id": "PE_ONLY_EMAIL",
        "patient_id": "PE",
        "channel": "email",
        "rule": "only",
        "effective_at": "2026-10-01 17:00:00",
        "ended_at": None,
    },
    {
        "preference_id": "PF_AVOID_PHONE",
        "patient_id": "PF",
        "channel": "phone",
        "rule": "avoid",
        "effective_at": "2026-10-01 17:00:00",
        "ended_at": "2026-10-15 17:00:00",
    },
]

MESSAGES = [
    message("M_SMS", "PE", "sms", "service", "2026-10-05 17:00:00"),  # breaks "only email"
    message("M_HELP", "PE", "sms", "help_reply", "2026-10-06 17:00:00"),  # never breaks
    message("M_EMAIL", "PE", "email", "marketing", "2026-10-07 17:00:00"),
    message("M_CALL", "PF", "phone", "service", "2026-10-10 17:00:00"),  # breaks "avoid phone"
    message("M_CALL_END", "PF", "phone", "service", "2026-10-15 17:00:00"),  # at its end: not
]

COMPLAINTS = [
    # received 09-10, due 10-10: resolved on day 30 (on time) and on day 31 (late)
    complaint("C30", "2026-09-10 17:00:00", "2026-10-10 17:00:00", "upheld", "access"),
    complaint("C31", "2026-09-10 17:00:00", "2026-10-11 17:00:00", "not_upheld", "access"),
    complaint("CW", "2026-10-02 17:00:00", "2026-10-05 17:00:00", "withdrawn", "marketing"),
    # open, due 10-15: past due on 10-31
    complaint("CO", "2026-09-15 17:00:00", None, None, "sms"),
    # through HHS, open, due 11-19: not past due
    complaint("CR", "2026-10-20 17:00:00", None, None, "disclosure", "hhs_ocr"),
]

RECORDS = [
    # first service 2026-09-30 23:30 local (10-01 06:30 UTC): new in September, not October
    medical("R_NIGHT", "N_NIGHT", "2026-10-01 06:30:00"),
    medical("R_NEXTDAY", "N_NEXTDAY", "2026-10-05 17:00:00"),
    medical("R_REFUSED", "N_REFUSED", "2026-10-07 17:00:00"),
    medical("R_BEFORE", "N_BEFORE", "2026-10-08 17:00:00"),
    medical("R_NONE", "N_NONE", "2026-10-09 17:00:00"),
    # first medical record in September, a second one in October: not new in October
    medical("R_OLD1", "N_OLD", "2026-09-20 17:00:00"),
    medical("R_OLD2", "N_OLD", "2026-10-03 17:00:00"),
    # a billing record alone is no first service
    medical("R_BILL", "N_BILL", "2026-10-10 17:00:00", "billing"),
]

ACKNOWLEDGMENTS = [
    ack("A_NIGHT", "N_NIGHT", "2026-10-01 06:00:00"),  # 09-30 23:00 local: same date
    ack("A_NEXTDAY", "N_NEXTDAY", "2026-10-06 17:00:00"),  # the next day: too late at grace 0
    ack("A_REFUSED", "N_REFUSED", "2026-10-07 16:00:00", "refused"),  # a refusal counts
    ack("A_BEFORE", "N_BEFORE", "2025-01-02 17:00:00"),  # long before: counts
]


def tables(**drop) -> dict:
    found = full_export(
        restrictions=RESTRICTIONS,
        disclosures=DISCLOSURES,
        communication_preferences=PREFERENCES,
        messages=MESSAGES,
        complaints=COMPLAINTS,
        records=RECORDS,
        notice_acknowledgments=ACKNOWLEDGMENTS,
    )
    for name in drop:
        del found[name]
    return found


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return write_export(tables(), "files_parquet", tmp_path_factory.mktemp("rights"))


@pytest.fixture(scope="module")
def ctx(export):
    ctx = open_report(export, "2026-10")
    yield ctx
    ctx.export.close()


def figures(ctx) -> dict[tuple[str, str], float | None]:
    return {(r["metric"], r["segment"]): r["value"] for r in rh.DOMAIN.metrics(ctx)}


def test_a_disclosure_breaks_a_restriction_from_the_instant_agreed_until_it_ends(ctx):
    broken = set(rh.DOMAIN.list_frame(ctx, "disclosures_broken_list")["disclosure"])
    assert "D_AT" in broken
    assert "D_BEFORE" not in broken  # one second before it was agreed
    assert "D_ENDED" not in broken  # at the instant it ended


def test_a_restriction_with_no_scope_covers_every_disclosure_but_the_exempt_ones(ctx):
    broken = set(rh.DOMAIN.list_frame(ctx, "disclosures_broken_list")["disclosure"])
    assert {"D_ANY", "D_AUTH"} <= broken  # an authorization does not exempt
    assert "D_LAW" not in broken  # required by law: no restriction can stop it
    assert "D_PATIENT" not in broken  # to the patient


def test_the_restriction_a_disclosure_broke_is_listed(ctx):
    listed = rh.DOMAIN.list_frame(ctx, "disclosures_broken_list").set_index("disclosure")
    assert listed.loc["D_AT", "restriction broken"] == "RA"
    assert listed.loc["D_AUTH", "authorization (does not exempt)"] == "AUTH-1"


def test_october_restriction_figures_by_hand(ctx):
    """Requested in October: RA, RC, RD (RB in September) -> 3. Decided in October:
    agreed RA, RB -> 2; denied RC -> 1, self-pay -> 1. In effect at the end of 10-31: RB
    (RA ended 10-20, RD undecided) -> 1. Broken: D_AT (payment), D_ANY (research), D_AUTH
    (marketing) -> 3."""
    f = figures(ctx)
    assert f[("restrictions.requested", "all")] == 3
    assert f[("restrictions.agreed", "all")] == 2
    assert f[("restrictions.denied", "all")] == 1
    assert f[("restrictions.self_pay_denied", "all")] == 1
    assert f[("restrictions.in_effect", "all")] == 1
    assert f[("restrictions.disclosures_breaking", "all")] == 3
    for purpose in ("payment", "research", "marketing"):
        assert f[("restrictions.disclosures_breaking", purpose)] == 1


def test_messages_break_a_preference_on_a_channel_it_rules_out(ctx):
    """'only email': an SMS reminder breaks it, a HELP reply never does, an e-mail does
    not. 'avoid phone' until 10-15 17:00: a call on 10-10 breaks it, one at its end not."""
    listed = rh.DOMAIN.list_frame(ctx, "messages_broken_list").set_index("message")
    assert set(listed.index) == {"M_SMS", "M_CALL"}
    assert listed.loc["M_SMS", "preference broken"] == "only email"
    f = figures(ctx)
    assert f[("communications.messages_breaking", "all")] == 2
    assert f[("communications.messages_breaking", "sms")] == 1
    assert f[("communications.messages_breaking", "phone")] == 1
    assert f[("communications.preferences_in_effect", "all")] == 1  # PF ended 10-15


def test_october_complaint_figures_by_hand(ctx):
    """Received in October: CW (marketing), CR (disclosure) -> 2. Resolved in October, not
    withdrawn: C30 (day 30, on time), C31 (day 31, late) -> 2, 1 on time, median 30.5 days.
    Open past due on 10-31: CO (due 10-15); CR is due 11-19; CW is closed. Through a
    regulator: CR."""
    f = figures(ctx)
    assert f[("complaints.received", "all")] == 2
    assert f[("complaints.received", "marketing")] == 1
    assert f[("complaints.resolved", "all")] == 2
    assert f[("complaints.resolved", "marketing")] == 0  # withdrawn is not resolved
    assert f[("complaints.resolved_on_time", "access")] == 1
    assert f[("complaints.median_days_to_resolve", "access")] == 30.5
    assert f[("complaints.median_days_to_resolve", "sms")] is None
    assert f[("complaints.open_overdue", "all")] == 1
    assert f[("complaints.open_overdue", "sms")] == 1
    assert f[("complaints.to_regulators", "all")] == 1
    overdue = rh.DOMAIN.list_frame(ctx, "complaints_overdue_list")
    assert list(overdue["complaint"]) == ["CO"] and list(overdue["days overdue"]) == [16]


def test_october_notice_figures_by_hand(ctx):
    """New in October: N_NEXTDAY, N_REFUSED, N_BEFORE, N_NONE -> 4 (N_NIGHT's first service
    is 09-30 local; N_OLD's in September; N_BILL has no medical record). Acknowledged:
    N_REFUSED (a refusal counts), N_BEFORE (long before counts) -> 2; N_NEXTDAY's is a day
    late at grace 0."""
    f = figures(ctx)
    assert f[("notice.new_patients", "all")] == 4
    assert f[("notice.acknowledged", "all")] == 2
    assert f[("notice.ack_rate", "all")] == 0.5
    assert set(rh.DOMAIN.list_frame(ctx, "unacknowledged_list")["patient"]) == {
        "N_NEXTDAY",
        "N_NONE",
    }


def test_a_first_service_at_2330_local_on_the_last_day_belongs_to_that_month(ctx):
    september = figures(replace(ctx, period=Period(2026, 9)))
    assert september[("notice.new_patients", "all")] == 2  # N_NIGHT and N_OLD
    assert september[("notice.acknowledged", "all")] == 1  # N_NIGHT, the same local date


def test_grace_days_from_the_policy(export, tmp_path):
    text = default_policy_path().read_text(encoding="utf-8")
    path = tmp_path / "policy.toml"
    path.write_text(text.replace("ack_grace_days = 0", "ack_grace_days = 1"), encoding="utf-8")
    c = open_report(export, "2026-10", path)
    try:
        assert figures(c)[("notice.acknowledged", "all")] == 3  # N_NEXTDAY now counts
    finally:
        c.export.close()


def test_each_absent_log_omits_its_figures_only(tmp_path):
    path = write_export(
        tables(complaints=True, notice_acknowledgments=True), "files_parquet", tmp_path
    )
    c = open_report(path, "2026-10")
    try:
        prefixes = {r["metric"].split(".")[0] for r in rh.DOMAIN.metrics(c)}
        assert prefixes == {"restrictions", "communications"}
        assert set(rh.DOMAIN.work_lists(c)) == {
            "rights_honoured.disclosures_broken_list",
            "rights_honoured.messages_broken_list",
        }
        rows = [r for d in DOMAINS for r in d.metrics(c)]
        mine = [t for t in tiles(rows, c.policy, {"rights_honoured"}, absent_logs=tuple(
            c.export.absent_logs()))]  # fmt: skip
        by_metric = {t.metric: t for t in mine}
        assert by_metric["complaints.open_overdue"].status == "grey"
        assert by_metric["complaints.open_overdue"].problem == "no complaints log in this export"
        assert by_metric["notice.ack_rate"].problem == (
            "no notice acknowledgments log in this export"
        )
        assert by_metric["restrictions.disclosures_breaking"].status == "red"
        assert "No complaints log in this export" in rh.DOMAIN.no_log_text(c, "complaints")
    finally:
        c.export.close()


ASKED, DAY_BEFORE, DAY_AFTER = "2026-10-02 17:00:00", "2026-10-01 17:00:00", "2026-10-03 17:00:00"
AVOID_PHONE = PREFERENCES[1]


@pytest.mark.parametrize(
    "table, row, reason",
    [
        ("restrictions", restriction("X", "P", ASKED, "agreed", None), "inconsistent_state"),
        ("restrictions", restriction("X", "P", ASKED, None, DAY_AFTER), "inconsistent_state"),
        ("restrictions", restriction("X", "P", ASKED, "agreed", DAY_BEFORE), "bad_order"),
        (
            "restrictions",
            restriction("X", "P", ASKED, "agreed", DAY_AFTER, ended_at=ASKED),
            "bad_order",
        ),
        ("restrictions", restriction("X", "P", ASKED, "maybe", DAY_AFTER), "unknown_code"),
        (
            "communication_preferences",
            {**AVOID_PHONE, "preference_id": "X", "ended_at": "2026-09-01 17:00:00"},
            "bad_order",
        ),
        (
            "communication_preferences",
            {**AVOID_PHONE, "preference_id": "X", "rule": "prefer"},
            "unknown_code",
        ),
        ("complaints", complaint("X", ASKED, None, "upheld", "sms"), "inconsistent_state"),
        ("complaints", complaint("X", ASKED, DAY_BEFORE, "upheld", "sms"), "bad_order"),
        ("complaints", complaint("X", ASKED, None, None, "billing"), "unknown_code"),
        ("notice_acknowledgments", ack("X", "P", ASKED, "lost"), "unknown_code"),
    ],
)
def test_bad_rows_are_quarantined_with_the_contracts_reason(tmp_path, table, row, reason):
    found = tables()
    found[table] = [*found[table], row]
    path = write_export(found, "files_csv", tmp_path, typed=False)
    c = open_report(path, "2026-10")
    try:
        assert c.export.tables[table].by_reason == {reason: 1}
    finally:
        c.export.close()


def test_open_complaints_by_days_past_due(ctx):
    """Open at the end of 10-31: CO (due 10-15: 16 days past due), CR (due 11-19)."""
    aging = dict(rh.complaints_aging(ctx).itertuples(index=False))
    assert aging == {
        "not yet due": 1,
        "1-30 days past due": 1,
        "31-90 days past due": 0,
        "over 90 days past due": 0,
    }
