"""Authorizations behind disclosures (shared/spec/domains/authorizations.md), each rule
pinned by hand-made rows and every figure counted by hand.

Times are UTC; the clinic's local times are Los Angeles times (PDT, UTC-7, until
2026-11-01; PST, UTC-8, after; PST in February): 17:00 UTC is 10:00 local on the same
date in October.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics.documents import accounting as acc
from analytics.domains import authorizations as au
from analytics.domains import disclosures as dis
from analytics.policy import PolicyError
from analytics.registry import load_policy, open_report
from helpers import WHOLE_SAMPLE, full_export, opened, rows, write_export

GLOW = "Glow Promotions LLC"


def auth(aid: str, **given) -> dict:
    """An authorization of P1 signed 2026-10-01 10:00 local, for marketing to Glow, of
    contact details, ending 2027-09-30: valid unless changed."""
    return rows(
        "authorizations", {"authorization_id": aid, "signed_at": "2026-10-01 17:00:00", **given}
    )[0]


def disclosure(did: str, authorization: str | None, at: str, **given) -> dict:
    """A marketing disclosure of P1's contact details to Glow at ``at`` (UTC)."""
    return rows(
        "disclosures",
        {
            "disclosure_id": did,
            "disclosed_at": at,
            "recipient_name": GLOW,
            "recipient_type": "marketing_partner",
            "purpose": "marketing",
            "data_categories": "contact",
            "description": "Name and e-mail for promotions",
            "authorization_id": authorization,
            **given,
        },
    )[0]


AUTHORIZATIONS = [
    auth("A_OK"),
    auth("A_REV", revoked_at="2026-10-10 17:00:00"),
    auth("A_EXP", expires_on="2026-10-15"),
    auth("A_REV2", revoked_at="2026-10-03 17:00:00", expires_on="2026-10-04"),
    auth("A_NOEND", expires_on=None),
    auth("A_NOPURP", purposes=None, expires_on=None),  # no purpose comes first
    auth("A_NAME", recipient_type=None, data_categories="CONTACT, demographic"),
    # empty elements are ignored, codes trimmed and matched ignoring case
    auth("A_SPACES", purposes="marketing, ,SALE ", recipient_name=None, states_remuneration=True),
    # quarantined: a regime outside its list; revoked before signed
    auth("A_BADCODE", regime="gdpr"),
    auth("A_BADORDER", revoked_at="2026-09-30 17:00:00"),
]

DISCLOSURES = [
    disclosure("D_OK", "A_OK", "2026-10-05 17:00:00"),
    disclosure("D_TRIM", "  A_OK  ", "2026-10-05 18:00:00"),  # ids trimmed on both sides
    disclosure("D_CASE", "a_ok", "2026-10-05 19:00:00"),  # exact case: unknown
    disclosure("D_NONE", "A_MISSING", "2026-10-05 20:00:00"),
    disclosure("D_QUAR", "A_BADCODE", "2026-10-05 21:00:00"),  # quarantined: unknown
    disclosure("D_OTHER", "A_OK", "2026-10-06 17:00:00", patient_id="P2"),
    disclosure("D_BEFORE", "A_OK", "2026-10-01 16:59:59"),  # a second before the signature
    disclosure("D_AT_SIGN", "A_OK", "2026-10-01 17:00:00"),  # at it: allowed
    disclosure("D_PRE_REVOKE", "A_REV", "2026-10-10 16:59:59"),
    disclosure("D_AT_REVOKE", "A_REV", "2026-10-10 17:00:00"),  # at the revocation: revoked
    disclosure("D_EXP_LASTDAY", "A_EXP", "2026-10-16 06:30:00"),  # 10-15 23:30 local: allowed
    disclosure("D_EXPIRED", "A_EXP", "2026-10-16 07:30:00"),  # 10-16 00:30 local
    disclosure("D_REV_EXP", "A_REV2", "2026-10-20 17:00:00"),  # revoked comes before expired
    disclosure("D_PURPOSE", "A_OK", "2026-10-07 17:00:00", purpose="sale"),
    disclosure("D_TYPE", "A_OK", "2026-10-07 18:00:00", recipient_type="researcher"),
    # a name stated: compared trimmed and ignoring case; categories in any order or case
    disclosure(
        "D_NAME_CASE",
        "A_NAME",
        "2026-10-07 19:00:00",
        recipient_name=" glow PROMOTIONS llc",
        recipient_type="researcher",
        data_categories="demographic,contact",
    ),
    disclosure("D_NAME_OTHER", "A_NAME", "2026-10-07 20:00:00", recipient_name="Other Co"),
    disclosure("D_CAT", "A_OK", "2026-10-08 17:00:00", data_categories="contact,sms_phone"),
    disclosure("D_DEFECTIVE", "A_NOEND", "2026-10-08 18:00:00"),
    disclosure("D_NOPURP", "A_NOPURP", "2026-10-08 19:00:00"),  # out of scope before defective
    disclosure("D_SPACES_SALE", "A_SPACES", "2026-10-08 20:00:00", purpose="sale"),
    disclosure("D_NOAUTH", None, "2026-10-09 17:00:00", purpose="treatment"),
]

VALID = {
    "D_OK",
    "D_TRIM",
    "D_AT_SIGN",
    "D_PRE_REVOKE",
    "D_EXP_LASTDAY",
    "D_NAME_CASE",
    "D_SPACES_SALE",
}
REASONS = {
    "D_CASE": "unknown",
    "D_NONE": "unknown",
    "D_QUAR": "unknown",
    "D_OTHER": "other_patient",
    "D_BEFORE": "before_signature",
    "D_AT_REVOKE": "revoked",
    "D_REV_EXP": "revoked",
    "D_EXPIRED": "expired",
    "D_PURPOSE": "out_of_scope",
    "D_TYPE": "out_of_scope",
    "D_NAME_OTHER": "out_of_scope",
    "D_CAT": "out_of_scope",
    "D_NOPURP": "out_of_scope",
    "D_DEFECTIVE": "defective",
}


def _values(rows_: list[dict], metric: str) -> dict:
    return {r["segment"]: r["value"] for r in rows_ if r["metric"] == metric}


@pytest.fixture(scope="module")
def checks(tmp_path_factory) -> Path:
    tables = full_export(authorizations=AUTHORIZATIONS, disclosures=DISCLOSURES)
    return write_export(tables, "files_parquet", tmp_path_factory.mktemp("checks"))


def test_each_disclosure_takes_the_first_reason_in_the_spec_s_order(checks):
    ctx = opened(checks, "2026-10", None)
    found = au.DOMAIN.list_frame(ctx, "disclosures_not_authorized")
    assert dict(zip(found["disclosure_id"], found["reason"], strict=True)) == REASONS
    outside = dict(zip(found["disclosure_id"], found["not_covered"], strict=True))
    assert outside["D_PURPOSE"] == "purpose" and outside["D_NOPURP"] == "purpose"
    assert outside["D_TYPE"] == "recipient" and outside["D_NAME_OTHER"] == "recipient"
    assert outside["D_CAT"] == "information"
    cited = {d["disclosure_id"] for d in DISCLOSURES if d["authorization_id"]}
    assert cited - set(REASONS) == VALID


def test_october_figures_counted_by_hand(checks):
    ctx = opened(checks, "2026-10", None)
    got = au.DOMAIN.metrics(ctx)
    # 21 disclosures cite an authorization: two sales, nineteen marketing
    assert _values(got, "authorizations.disclosures_checked") == {
        "marketing": 19,
        "sale": 2,
        "all": 21,
    }
    assert _values(got, "authorizations.disclosures_invalid") == {
        "unknown": 3,
        "other_patient": 1,
        "before_signature": 1,
        "revoked": 2,
        "expired": 1,
        "out_of_scope": 5,
        "defective": 1,
        "all": 14,
    }
    # eight used authorizations, all HIPAA, all signed 2026-10-01 local
    assert _values(got, "authorizations.signed") == {"hipaa": 8, "all": 8}
    assert _values(got, "authorizations.revoked") == {"hipaa": 2, "all": 2}
    assert _values(got, "authorizations.defective") == {"no_purpose": 1, "no_end_date": 1, "all": 2}
    assert _values(got, "authorizations.expiring_next_30_days") == {"hipaa": 0, "all": 0}
    assert _values(got, "authorizations.wa_sales_without_mhmda") == {"all": 0}
    assert ctx.export.tables["authorizations"].by_reason == {"unknown_code": 1, "bad_order": 1}


def test_a_disclosure_under_an_invalid_authorization_is_accountable(checks, tmp_path):
    ctx = opened(checks, "2026-10", None)
    assert _values(dis.DOMAIN.metrics(ctx), "disclosures.accountable")["all"] == 14
    # the same disclosures without the log: cited means authorized (v1), none accountable
    tables = full_export(disclosures=DISCLOSURES)
    v1 = open_report(write_export(tables, "files_parquet", tmp_path), "2026-10")
    try:
        assert _values(dis.DOMAIN.metrics(v1), "disclosures.accountable")["all"] == 0
        assert au.DOMAIN.metrics(v1) == []
        assert au.DOMAIN.work_lists(v1) == {}
    finally:
        v1.export.close()


def test_empty_elements_are_ignored_and_codes_read_ignoring_case(checks):
    ctx = opened(checks, "2026-10", None)
    got = dict(
        ctx.export.con.execute(
            "SELECT authorization_id, purposes FROM authorizations "
            "WHERE authorization_id IN ('A_SPACES', 'A_NOPURP')"
        ).fetchall()
    )
    assert got == {"A_SPACES": "marketing,sale", "A_NOPURP": None}


def test_an_end_date_before_the_local_date_signed_is_bad_order_in_the_clinic_s_zone(tmp_path):
    # signed 2026-10-02 05:00 UTC: 2026-10-01 22:00 in Los Angeles, 2026-10-02 in UTC
    late = {"signed_at": "2026-10-02 05:00:00"}
    tables = full_export(
        authorizations=[
            auth("A_SAME_DAY", expires_on="2026-10-01", **late),  # the local date: allowed
            auth("A_DAY_BEFORE", expires_on="2026-09-30", **late),  # bad_order
        ],
        disclosures=[disclosure("D1", "A_SAME_DAY", "2026-10-02 06:00:00")],  # 10-01 23:00 local
    )
    path = write_export(tables, "files_parquet", tmp_path)
    ctx = open_report(path, "2026-10")
    try:
        assert ctx.export.tables["authorizations"].by_reason == {"bad_order": 1}
        assert au.DOMAIN.list_frame(ctx, "disclosures_not_authorized").empty
    finally:
        ctx.export.close()
    text = load_policy().path
    utc = tmp_path / "utc.toml"
    utc.write_text(
        Path(text)
        .read_text(encoding="utf-8")
        .replace('timezone = "America/Los_Angeles"', 'timezone = "UTC"', 1),
        encoding="utf-8",
    )
    ctx = open_report(path, "2026-10", utc)
    try:  # in UTC the same authorization ends the day before it was signed
        assert ctx.export.tables["authorizations"].by_reason == {"bad_order": 2}
        (reason,) = au.DOMAIN.list_frame(ctx, "disclosures_not_authorized")["reason"]
        assert reason == "unknown"  # it cites a quarantined authorization
    finally:
        ctx.export.close()


# --------------------------------------------------------- Washington, and renewals

PATIENTS = [
    {"patient_id": "P1", "state": "CA", "time_zone": "America/Los_Angeles"},
    {"patient_id": "WA1", "state": " wa ", "time_zone": "America/Los_Angeles"},
    {"patient_id": "WA2", "state": "WA", "time_zone": None},
]


def sale(did: str, patient: str, authorization: str | None, at: str) -> dict:
    return disclosure(did, authorization, at, patient_id=patient, purpose="sale")


SALES_AUTHORIZATIONS = [
    auth("M_OK", patient_id="WA1", regime="mhmda", purposes="sale", states_remuneration=True),
    auth("H_OK", patient_id="WA1", purposes="sale", states_remuneration=True),
    auth(
        "M_GONE",
        patient_id="WA2",
        regime="mhmda",
        purposes="sale",
        states_remuneration=True,
        expires_on="2026-10-10",
    ),
    auth("H_CA", purposes="sale", states_remuneration=True),
    # renewals as of 2026-10-31: ending in (10-31, 11-30]
    auth("R_LAST", expires_on="2026-11-30", signed_at="2026-05-01 17:00:00"),  # counts
    auth("R_AFTER", expires_on="2026-12-01", signed_at="2026-05-01 17:00:00"),
    auth("R_ASOF", expires_on="2026-10-31", signed_at="2026-05-01 17:00:00"),
    # revoked 10-31 23:00 local (by the end of the as-of date): not in force
    auth("R_REVOKED", expires_on="2026-11-10", revoked_at="2026-11-01 06:00:00"),
    # revoked 11-01 00:30 local: still in force on the as-of date: counts
    auth("R_LATER_REVOKED", expires_on="2026-11-10", revoked_at="2026-11-01 07:30:00"),
    auth("R_DEFECTIVE", expires_on="2026-11-10", recipient_type=None, recipient_name=None),
    auth("R_UNSIGNED", expires_on="2026-11-25", signed_at="2026-11-05 17:00:00"),
    # MHMDA signed 2025-11-20 local: its anniversary 2026-11-20 ends it (counts), or, with
    # an expires_on after it, makes it defective (does not)
    auth("M_ANNIV", regime="mhmda", signed_at="2025-11-20 18:00:00", expires_on="2026-11-20"),
    auth("M_LONG", regime="mhmda", signed_at="2025-11-20 18:00:00", expires_on="2026-12-15"),
]

SALES = [
    sale("S_M_OK", "WA1", "M_OK", "2026-10-12 17:00:00"),  # valid MHMDA: not counted
    sale("S_H_OK", "WA1", "H_OK", "2026-10-12 18:00:00"),  # valid HIPAA: counted, not invalid
    sale("S_NONE", "WA2", None, "2026-10-12 19:00:00"),  # counted
    sale("S_GONE", "WA2", "M_GONE", "2026-10-12 20:00:00"),  # expired MHMDA: counted, invalid
    sale("S_CA", "P1", "H_CA", "2026-10-12 21:00:00"),  # not a Washington consumer
    sale("S_CA_NONE", "P1", None, "2026-10-12 22:00:00"),
]


@pytest.fixture(scope="module")
def sales(tmp_path_factory) -> Path:
    tables = full_export(authorizations=SALES_AUTHORIZATIONS, disclosures=SALES, patients=PATIENTS)
    return write_export(tables, "files_parquet", tmp_path_factory.mktemp("sales"))


def test_washington_sales_need_a_valid_mhmda_authorization(sales):
    ctx = opened(sales, "2026-10", None)
    got = au.DOMAIN.metrics(ctx)
    assert _values(got, "authorizations.wa_sales_without_mhmda") == {"all": 3}
    # of the four sales citing an authorization only the expired MHMDA one is invalid
    assert _values(got, "authorizations.disclosures_checked") == {"sale": 4, "all": 4}
    assert _values(got, "authorizations.disclosures_invalid") == {"expired": 1, "all": 1}
    listed = au.DOMAIN.list_frame(ctx, "wa_sales_without_mhmda")
    assert dict(zip(listed["disclosure_id"], listed["why"], strict=True)) == {
        "S_H_OK": "a HIPAA authorization, not an MHMDA one",
        "S_NONE": "no authorization cited",
        "S_GONE": "not valid: expired",
    }
    # accountable: the expired one and the two sales without an authorization (v1's rule)
    assert _values(dis.DOMAIN.metrics(ctx), "disclosures.accountable")["all"] == 3


def test_renewals_end_in_the_30_days_after_the_as_of_date(sales):
    ctx = opened(sales, "2026-10", None)
    got = au.DOMAIN.metrics(ctx)
    assert _values(got, "authorizations.expiring_next_30_days") == {
        "hipaa": 2,
        "mhmda": 1,
        "all": 3,
    }
    listed = au.DOMAIN.list_frame(ctx, "expiring_authorizations")
    assert list(listed["authorization_id"]) == ["R_LATER_REVOKED", "M_ANNIV", "R_LAST"]
    assert list(listed["days_left"]) == [10, 20, 30]
    # signed in October (local): the four sales' authorizations and three renewals' (the
    # others in May, November or the year before)
    assert _values(got, "authorizations.signed") == {"hipaa": 5, "mhmda": 2, "all": 7}
    # revoked in October by local date: R_REVOKED (10-31 23:00 local); R_LATER_REVOKED's
    # revocation is on 11-01
    assert _values(got, "authorizations.revoked") == {"hipaa": 1, "mhmda": 0, "all": 1}
    assert _values(got, "authorizations.defective") == {"no_recipient": 1, "all": 1}
    defective = au.DOMAIN.list_frame(ctx, "defective_authorizations")
    assert set(defective["authorization_id"]) == {"R_DEFECTIVE", "M_LONG"}


def test_february_29_plus_a_year_is_february_28(tmp_path):
    # signed 2024-02-29 10:00 local (PST, UTC-8)
    leap = {
        "signed_at": "2024-02-29 18:00:00",
        "regime": "mhmda",
        "purposes": "sale",
        "states_remuneration": True,
    }
    tables = full_export(
        authorizations=[
            auth("L_ANNIV", expires_on="2025-02-28", **leap),  # on the anniversary: fine
            auth("L_LONG", expires_on="2025-03-01", **leap),  # a day past it: over one year
        ],
        disclosures=[
            sale("S_ANNIV", "P1", "L_ANNIV", "2025-02-28 18:00:00"),
            sale("S_LONG", "P1", "L_LONG", "2025-02-20 18:00:00"),
        ],
    )
    ctx = open_report(write_export(tables, "files_parquet", tmp_path), "2025-02")
    try:
        got = au.DOMAIN.metrics(ctx)
        assert _values(got, "authorizations.disclosures_invalid") == {"defective": 1, "all": 1}
        (defect,) = au.DOMAIN.list_frame(ctx, "disclosures_not_authorized")["defect"]
        assert defect == "over_one_year"
    finally:
        ctx.export.close()


# --------------------------------------------------------------------- the letter


def test_the_letter_lists_a_disclosure_under_an_expired_authorization_and_says_why(tmp_path):
    tables = full_export(
        authorizations=[auth("A_FEB", signed_at="2026-01-05 18:00:00", expires_on="2026-02-28")],
        disclosures=[
            disclosure("D_IN", "A_FEB", "2026-02-28 20:00:00"),  # on the end date: not listed
            disclosure("D_AFTER", "A_FEB", "2026-03-02 20:00:00"),  # listed, with the reason
        ],
    )
    path = write_export(tables, "files_parquet", tmp_path)
    made = acc.make(path, None, "P1", "2026-10-31")
    assert "1 accountable disclosure " in made.summary
    assert (
        "Listed although it cited your authorization: the authorization had expired on "
        "2026-02-28." in made.page
    )
    assert "under a valid written authorization of yours" in made.page
    assert "2026-03-02" in made.page and "2026-02-28</td>" not in made.page


def test_a_quarantined_authorization_of_the_patient_stops_the_letter(tmp_path):
    tables = full_export(
        # revoked before it was signed: quarantined, so its disclosure reads as "unknown"
        authorizations=[auth("A_BAD", revoked_at="2026-09-01 17:00:00")],
        disclosures=[disclosure("D_UNDER", "A_BAD", "2026-10-05 17:00:00")],
    )
    path = write_export(tables, "files_parquet", tmp_path)
    with pytest.raises(acc.IncompleteAccounting, match="1 authorization record of patient P1"):
        acc.make(path, None, "P1", "2026-10-31")
    made = acc.make(path, None, "P1", "2026-10-31", allow_incomplete=True)
    words = " ".join(made.page.split())
    assert "under review.</b> 1 record of your authorizations could not be read" in words
    assert "may be listed below although it was allowed" in words
    assert any("authorization record(s)" in w for w in made.warnings)


def test_a_renewal_horizon_other_than_30_days_is_refused(tmp_path):
    text = Path(load_policy().path).read_text(encoding="utf-8")
    changed = tmp_path / "p.toml"
    changed.write_text(text.replace("expiring_days = 30", "expiring_days = 45"), encoding="utf-8")
    with pytest.raises(PolicyError, match="expiring_days must be 30"):
        load_policy(changed)


@WHOLE_SAMPLE
def test_the_sample_shows_every_defect_reason_and_tile():
    ctx = opened(Path("data/sample"), "2026-10", None)
    got = au.DOMAIN.metrics(ctx)
    months = [
        au.DOMAIN.metrics(opened(Path("data/sample"), f"2026-{m:02d}", None)) for m in range(1, 11)
    ]
    seen = {(r["metric"], r["segment"]) for month in months for r in month if r["value"]}
    for reason in au.REASONS:
        assert ("authorizations.disclosures_invalid", reason) in seen, reason
    for defect in au.DEFECTS:
        assert ("authorizations.defective", defect) in seen, defect
    for tile in ("disclosures_invalid", "wa_sales_without_mhmda", "defective"):
        assert _values(got, f"authorizations.{tile}")["all"] > 0, tile
    assert date(2026, 10, 31) == ctx.period.as_of


def test_a_kept_validation_is_reused_only_in_the_zone_it_was_made_in(checks, tmp_path):
    from dataclasses import replace

    from analytics.loading.export import NO_OPTIONS
    from analytics.loading.loader import open_export

    def validated(zone: str) -> tuple[str, dict]:
        options = replace(NO_OPTIONS, clinic_timezone=zone)
        export = open_export(checks, options=options, keep_in=tmp_path)
        try:
            s = export.tables["authorizations"]
            return s.validated, s.by_reason
        finally:
            export.close()

    assert validated("America/Los_Angeles") == ("full", {"unknown_code": 1, "bad_order": 1})
    assert validated("America/Los_Angeles")[0] == "kept"
    # another zone is another validation: the end-date rule reads local dates
    assert validated("Asia/Tokyo")[0] == "full"
    assert validated("America/Los_Angeles")[0] == "kept"


@pytest.mark.parametrize("fixture", ["checks", "sales"])
def test_the_pandas_baseline_counts_the_same_on_the_hand_made_exports(fixture, request):
    """The benchmark's independent pandas computation agrees figure by figure."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import pandas_baseline

    ctx = opened(request.getfixturevalue(fixture), "2026-10", None)
    tables = {
        t: ctx.export.con.execute(f"SELECT * FROM {t}").df()  # noqa: S608 - fixed names
        for t in ("disclosures", "vendors", "authorizations", "patients")
    }
    p = ctx.period
    theirs = pandas_baseline.authorization_metrics(tables, ctx.policy, p.first_day, p.as_of)
    theirs += pandas_baseline.disclosure_metrics(tables, ctx.policy, p.first_day, p.as_of)
    ours = au.DOMAIN.metrics(ctx) + dis.DOMAIN.metrics(ctx)
    key = lambda m: (m["metric"], m["segment"])  # noqa: E731
    assert sorted(theirs, key=key) == sorted(ours, key=key)


def test_the_overview_says_what_invalid_authorizations_come_down_to(checks):
    """By first reason, the largest first, three named and the rest counted: out of scope
    5, unknown 3, revoked 2; before signature, defective, expired and other patient 1 each."""
    import re

    from analytics.presentation.actions import causes

    ctx = opened(checks, "2026-10", None)
    said = causes(ctx, au.DOMAIN, "authorizations.disclosures_invalid")
    assert re.fullmatch(
        r"5 out of scope \(to [a-z ,]+\), 3 unknown \(to [a-z ,]+\) and 2 revoked "
        r"\(to [a-z ,]+\), and 4 others",
        said,
    ), said
    assert "D_" not in said and "P1" not in said  # no disclosure, no patient
