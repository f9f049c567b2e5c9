"""The overview's opening: one summary line, then at most five actions by urgency, each
with how bad, who acts, the next date and what it comes down to.

A hand-made October 2026 (clinic in Los Angeles, as of 2026-10-31), every figure worked
out by hand:
- request R2 (access, received 1 September, 15 calendar days): due 16 September, open,
  45 days late on 31 October; R3 (access, received 20 October): due 4 November, 4 days
  after the month's end; R4 (know, received 25 October, 45 days): due 9 December, past
  the 30 days, not listed; R5 (access, received 20 September, due 5 October, closed
  10 October): late, so 1 of the 2 requests closed in October was late.
- incident I3 (discovered 1 September, 7 California residents, computerized: 30 days
  under Civ. Code 1798.82(a)): its individuals' notice was due 1 October, unsent: 30 days
  late, 7 people; I2 (discovered 20 October, 40 people): due 19 November, 19 days ahead.
- marketing texts in quiet hours: two of campaign C9 (22:00 in Los Angeles, 01:00 in
  Chicago) and one of C8 (21:30 in Los Angeles).
- disclosure D2 to vendor V2, Cloud Fax Co, which has no BAA on file.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.presentation.actions import LIMIT, Action, agenda, pick
from analytics.presentation.formatting import count_of, day_text, in_words, listed, plain
from analytics.presentation.index import (
    is_quiet,
    month_tiles,
    needs_action,
    render_index,
    target_text,
)
from analytics.registry import DOMAINS
from analytics.run.metrics_json import compute_all
from helpers import full_export, opened, rows, write_export

REPORTS = [{"name": d.name, "title": d.title, "file": f"{d.name}.html"} for d in DOMAINS]
NAMES = {d.name for d in DOMAINS}


def _request(request_id: str, patient: str, kind: str, regime: str, received: str, **more):
    return {
        "request_id": request_id,
        "patient_id": patient,
        "request_type": kind,
        "regime": regime,
        "received_at": received,
        "acknowledged_at": received,
        "verified_at": received,
        "closed_at": None,
        "outcome": None,
        **more,
    }


def _incident(incident_id: str, discovered: str, people: int):
    return {
        "incident_id": incident_id,
        "discovered_at": discovered,
        "occurred_at": discovered,
        "assessed_at": discovered,
        "determination": "breach",
        "individuals_affected": people,
        "ca_residents_affected": people,
        "largest_state_residents": people,
        "individuals_notified_at": None,
    }


def _text(message_id: str, patient: str, campaign: str, sent: str):
    return {
        "message_id": message_id,
        "patient_id": patient,
        "campaign_id": campaign,
        "sent_at": sent,
    }


@pytest.fixture(scope="module")
def october(tmp_path_factory):
    tables = full_export(
        requests=rows(
            "requests",
            {},
            _request("R2", "P2", "access", "hipaa", "2026-09-01 16:00:00+00"),
            _request("R3", "P3", "access", "hipaa", "2026-10-20 16:00:00+00"),
            _request("R4", "P4", "know", "ccpa", "2026-10-25 16:00:00+00"),
            _request(
                "R5",
                "P5",
                "access",
                "hipaa",
                "2026-09-20 16:00:00+00",
                closed_at="2026-10-10 16:00:00+00",
                outcome="fulfilled",
            ),
        ),
        incidents=rows(
            "incidents",
            {},
            _incident("I2", "2026-10-20 17:00:00+00", 40),
            _incident("I3", "2026-09-01 17:00:00+00", 7),
        ),
        messages=rows(
            "messages",
            {},
            _text("M2", "P1", "C9", "2026-10-02 05:00:00+00"),
            _text("M3", "P4", "C9", "2026-10-02 06:00:00+00"),
            _text("M4", "P1", "C8", "2026-10-02 04:30:00+00"),
        ),
        patients=rows(
            "patients", {}, {"patient_id": "P4", "state": "TX", "time_zone": "America/Chicago"}
        ),
        vendors=rows(
            "vendors", {}, {"vendor_id": "V2", "name": "Cloud Fax Co", "baa_signed_on": None}
        ),
        disclosures=rows(
            "disclosures",
            {},
            {
                "disclosure_id": "D2",
                "recipient_name": "Cloud Fax Co",
                "recipient_type": "business_associate",
                "purpose": "operations",
                "vendor_id": "V2",
            },
        ),
    )
    path = write_export(tables, "duckdb", tmp_path_factory.mktemp("actions"))
    ctx = opened(path, "2026-10")
    metric_rows = compute_all(ctx)
    all_tiles, _ = month_tiles(ctx, metric_rows, REPORTS)
    values = {(m["metric"], m["segment"]): m["value"] for m in metric_rows}
    shown = [t for t in all_tiles if not is_quiet(t)]
    return ctx, metric_rows, shown, agenda(ctx, shown, needs_action(shown), values, NAMES)


def _action(found, text_start: str) -> Action:
    for _, actions in found.groups:
        for a in actions:
            if a.text.startswith(text_start):
                return a
    raise AssertionError(f"no action starts {text_start!r}: {found.groups}")


def test_a_missed_breach_notice_says_how_late_how_many_people_and_who_acts(october):
    *_, found = october
    title, first = found.groups[0]
    assert title == "Legal rule or deadline missed"
    notice = first[0]  # a breach notice outranks every other finding (weight 100)
    assert notice.text == "1 breach notice is past its legal due date and not sent."
    assert notice.how_bad == "30 days late; 7 people concerned"
    assert notice.owner == "Privacy officer"
    assert notice.when == "overdue since Oct 1, 2026; next due Nov 19, 2026"


def test_an_overdue_request_counts_its_days_from_its_local_due_date(october):
    *_, found = october
    request = _action(found, "1 rights request is still open")
    assert request.how_bad == "45 days late; 1 person concerned"
    assert request.when == "overdue since Sep 16, 2026; next due Nov 4, 2026"


def test_what_falls_due_in_30_days_comes_weightiest_first_then_nearest(october):
    *_, found = october
    due = dict(found.groups)["Due in the next 30 days"]
    # the breach notice (weight 100) before the request due sooner; R4, due 9 December,
    # is beyond the 30 days
    assert [a.text for a in due][:2] == [
        "1 breach notice due Nov 19, 2026",
        "1 rights request due Nov 4, 2026",
    ]
    assert due[0].how_bad == "40 people concerned"
    assert due[0].when == "first due Nov 19, 2026, 19 days after the month's end"
    assert due[1].when == "first due Nov 4, 2026, 4 days after the month's end"


def test_a_root_cause_names_campaigns_and_states_never_a_patient(october):
    ctx, metric_rows, shown, found = october
    values = {(m["metric"], m["segment"]): m["value"] for m in metric_rows}
    # quiet hours is one action among many: ask for it where the overview would
    from analytics.presentation.actions import clock_states, tile_action

    clocks = clock_states(ctx, 30)
    quiet = next(t for t in shown if t.metric == "consent.marketing_quiet_hours")
    assert quiet.value == 3
    action = tile_action(ctx, quiet, clocks, values)
    assert action.cause == "2 campaign C9 (to CA, TX) and 1 campaign C8 (to CA)"
    assert action.owner == "Marketing lead"
    assert "P1" not in action.cause and "P4" not in action.cause
    # P4 never opted in: M3 (campaign C9, a text) went out with no consent on record
    unconsented = next(t for t in shown if t.metric == "consent.marketing_without_consent")
    assert unconsented.value == 1
    assert tile_action(ctx, unconsented, clocks, values).cause == "all 1: campaign C9 (by SMS)"
    baa = next(t for t in shown if t.metric == "disclosures.ba_without_baa")
    assert tile_action(ctx, baa, clocks, values).cause == "all 1: Cloud Fax Co (no BAA on file)"


def test_a_rate_off_target_says_n_of_m(october):
    ctx, metric_rows, shown, _ = october
    from analytics.presentation.actions import tile_action

    values = {(m["metric"], m["segment"]): m["value"] for m in metric_rows}
    on_time = next(t for t in shown if (t.metric, t.segment) == ("requests.on_time_rate", "all"))
    assert on_time.value == 0.5
    assert tile_action(ctx, on_time, {}, values).how_bad == "1 of 2 answered late"


def test_at_most_five_actions_and_the_rest_counted_in_the_scorecard(october):
    _, _, shown, found = october
    actions = [a for _, group in found.groups for a in group]
    assert len(actions) <= LIMIT
    off = sum(1 for t in shown if t.sentence)
    shown_off = sum(1 for a in actions if a.urgency != "due_soon")
    assert found.more == off - shown_off
    red = sum(1 for t in shown if t.status == "red")
    assert found.summary.startswith(f"{red} of {len(shown)} figures off target; ")
    assert found.summary.endswith("; 2 deadlines in the next 30 days.")


def test_the_overview_opens_with_the_summary_and_names_who_acts(october):
    ctx, metric_rows, _, found = october
    page = render_index(ctx, metric_rows, [], REPORTS, datetime(2026, 11, 2, 16, 5, tzinfo=UTC))
    opening = page[page.index('id="action"') : page.index('id="scorecard"')]
    assert f'<p class="summary">{found.summary}</p>' in opening
    assert "<b>Acts:</b> Privacy officer" in opening
    assert "Due in the next 30 days</h3>" in opening
    # made at 16:05 UTC: 08:05 in the clinic's zone (PST from 1 November)
    assert "Made 2026-11-02 08:05 PST by analytics" in page


def _a(urgency, rank):
    return Action(
        urgency=urgency, text=f"{urgency} {rank}", how_bad="", owner="", when="", rank=rank
    )


def test_every_group_keeps_its_first_action_within_five():
    legal = [_a("legal", r) for r in range(9, 0, -1)]
    chosen = pick(
        {"legal": legal, "due_soon": [_a("due_soon", 1)], "internal": [_a("internal", 1)]}
    )
    assert [len(chosen[u]) for u in ("legal", "due_soon", "internal")] == [3, 1, 1]
    assert [a.rank for a in chosen["legal"]] == [9, 8, 7]
    only_legal = pick({"legal": legal, "due_soon": [], "internal": []})
    assert len(only_legal["legal"]) == LIMIT


def test_targets_read_in_plain_words(october):
    ctx, *_ = october
    texts = {t.metric: target_text(t) for d in DOMAINS for t in ctx.policy.targets(d.name)}
    assert texts["consent.marketing_after_optout"] == "none allowed"
    assert texts["consent.optouts_late"] == "none allowed (watch up to 2)"
    assert texts["notice.ack_rate"] == "100 % (watch from 95.0 %)"
    assert texts["retention.overdue_disposal"] == "none allowed (watch up to 10)"


def test_the_vocabulary_says_codes_in_words():
    assert plain("confidential_comms") == "confidential communications"
    assert plain("marketing_partner") == "marketing partner"
    assert plain(True) == "Yes" and plain(False) == "No" and plain(None) == ""
    assert plain("REQ_0012") == "REQ_0012"  # an id is not a code: kept as written
    assert count_of(1, "person", "people") == "1 person"
    assert count_of(320, "person", "people") == "320 people"
    assert listed(["a", "b", "c"]) == "a, b and c"
    assert day_text(datetime(2026, 2, 28).date()) == "Feb 28, 2026"
    assert in_words("by email, sms") == "by email, SMS"


def test_a_table_reads_in_words_its_flags_as_yes_and_no():
    import pandas as pd

    from analytics.presentation.formatting import readable

    frame = pd.DataFrame(
        {
            "legal_hold": pd.Series([True, False], dtype=bool),
            "record_class": ["consent_proof", "medical"],
            "records": [3, 4],
            "record_id": ["REC_0001", "REC_0002"],
        }
    )
    shown = readable(frame)
    assert list(shown.columns) == ["Legal hold", "Record class", "Records", "Record id"]
    assert list(shown["Legal hold"]) == ["Yes", "No"]
    assert list(shown["Record class"]) == ["consent proof", "medical"]
    assert list(shown["Records"]) == [3, 4] and list(shown["Record id"]) == ["REC_0001", "REC_0002"]


def test_open_requests_not_yet_due_are_a_list_with_days_left_and_what_is_new(october):
    """R3 (due 4 November) and R4 (due 9 December) were received in October: new; R2 was
    already overdue at the end of September: not new."""
    from analytics.domains import requests

    ctx, *_ = october
    not_due = requests.DOMAIN.list_frame(ctx, "open_not_due")
    assert list(not_due["request_id"]) == ["R3", "R4"]
    assert list(not_due["days_left"]) == [4, 39]
    assert list(not_due["new_since_last_month"]) == [True, True]
    overdue = requests.DOMAIN.list_frame(ctx, "open_overdue")
    assert list(overdue["request_id"]) == ["R2"] and list(overdue["new_since_last_month"]) == [
        False
    ]


def test_a_figure_s_target_is_its_segment_s_own_else_the_one_for_every_segment(october):
    ctx, *_ = october
    pooled = ctx.policy.target("requests.on_time_rate")
    each = ctx.policy.target("requests.on_time_rate", "correct")
    assert pooled is not None and pooled.segment == "all"
    assert each is not None and each.segment == "*" and each.owner == "Privacy officer"
    assert ctx.policy.target("requests.received") is None  # a figure without a target
