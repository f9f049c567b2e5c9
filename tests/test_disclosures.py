"""Disclosure figures for October 2026, each rule pinned by a hand-made disclosure."""

from __future__ import annotations

import pytest

from analytics.domains import disclosures as ds
from analytics.registry import open_report
from helpers import full_export, write_export


def disclosure(
    did,
    disclosed,
    *,
    rtype="business_associate",
    purpose="operations",
    vendor=None,
    auth=None,
    cats="phi",
    patient="P1",
) -> dict:
    return {
        "disclosure_id": did,
        "patient_id": patient,
        "disclosed_at": disclosed,
        "recipient_name": "Recipient " + did,
        "recipient_address": None,
        "recipient_type": rtype,
        "purpose": purpose,
        "data_categories": cats,
        "description": "Records",
        "authorization_id": auth,
        "vendor_id": vendor,
    }


VENDORS = [
    {"vendor_id": "V1", "name": "Signed late", "baa_signed_on": "2026-10-11", "baa_ended_on": None},
    {
        "vendor_id": "V2",
        "name": "Ended",
        "baa_signed_on": "2020-01-01",
        "baa_ended_on": "2026-10-15",
    },
]

DISCLOSURES = [
    # 22:00 PDT on 10 Oct (05:00 UTC on 11 Oct): the day before V1's BAA was signed
    disclosure("BA_BEFORE", "2026-10-11 05:00:00", vendor="V1"),
    disclosure("BA_SIGNED", "2026-10-11 17:00:00", vendor="V1"),
    disclosure("BA_LAST_DAY", "2026-10-14 17:00:00", vendor="V2"),
    disclosure("BA_ENDED", "2026-10-15 17:00:00", vendor="V2"),  # ended that day: no BAA
    disclosure("BA_NO_VENDOR", "2026-10-16 17:00:00", vendor=None),
    disclosure(
        "MKT_NO_AUTH",
        "2026-10-17 17:00:00",
        rtype="marketing_partner",
        purpose="marketing",
        cats="contact,sms_phone",
    ),
    disclosure(
        "MKT_AUTH",
        "2026-10-17 17:00:00",
        rtype="marketing_partner",
        purpose="marketing",
        auth="A1",
        cats="contact",
    ),
    disclosure("SALE", "2026-10-18 17:00:00", rtype="other", purpose="sale"),
    disclosure(
        "SMS_TO_PATIENT", "2026-10-19 17:00:00", rtype="patient", purpose="other", cats="sms_phone"
    ),
    disclosure("COURT", "2026-10-20 17:00:00", rtype="court", purpose="judicial"),
    disclosure("SEPT", "2026-09-30 17:00:00", rtype="court", purpose="judicial"),
]


def metrics(tables) -> dict:
    return {
        (m["metric"], m["segment"]): m["value"]
        for m in ds.DOMAIN.metrics(open_report(tables, "2026-10"))
    }


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(
        full_export(disclosures=DISCLOSURES, vendors=VENDORS),
        "files_parquet",
        tmp_path_factory.mktemp("disc"),
    )


@pytest.fixture(scope="module")
def export_without_vendors(tmp_path_factory):
    tables = full_export(disclosures=DISCLOSURES)
    del tables["vendors"]
    return write_export(tables, "files_parquet", tmp_path_factory.mktemp("novendors"))


def flags(path) -> dict:
    ctx = open_report(path, "2026-10")
    ds.QUERIES.ensure(ctx, "disclosure_checks")
    rows = ctx.export.con.execute(
        "SELECT disclosure_id, accountable, ba_without_baa, marketing_without_authorization, "
        "sms_data_shared FROM disclosure_checks"
    ).fetchall()
    ctx.export.close()
    return {r[0]: r[1:] for r in rows}


def test_baa_signed_the_day_after_a_disclosure_in_local_time(export):
    f = flags(export)
    assert f["BA_BEFORE"][1] is True
    assert f["BA_SIGNED"][1] is False


def test_baa_ending_on_the_day_of_a_disclosure_is_not_in_effect(export):
    f = flags(export)
    assert f["BA_LAST_DAY"][1] is False
    assert f["BA_ENDED"][1] is True
    assert f["BA_NO_VENDOR"][1] is True


def test_no_vendors_table_means_no_baa_for_any_business_associate(export_without_vendors):
    f = flags(export_without_vendors)
    assert [k for k, v in f.items() if v[1]] == [
        "BA_BEFORE",
        "BA_SIGNED",
        "BA_LAST_DAY",
        "BA_ENDED",
        "BA_NO_VENDOR",
    ]


def test_marketing_or_sale_needs_authorization(export):
    f = flags(export)
    assert (f["MKT_NO_AUTH"][2], f["MKT_AUTH"][2], f["SALE"][2]) == (True, False, True)


def test_sms_numbers_shared_unless_the_recipient_is_the_patient(export):
    f = flags(export)
    assert f["MKT_NO_AUTH"][3] is True
    assert f["SMS_TO_PATIENT"][3] is False


def test_month_figures_by_purpose_and_pooled(export):
    got = metrics(export)
    assert got[("disclosures.total", "all")] == 10  # SEPT is in September
    assert got[("disclosures.to_business_associates", "operations")] == 5
    assert got[("disclosures.ba_without_baa", "all")] == 3
    assert got[("disclosures.marketing_without_authorization", "all")] == 2
    assert got[("disclosures.sms_data_shared", "all")] == 1
    # accountable: MKT_NO_AUTH, SALE, COURT (operations, authorized, to the patient: not)
    assert got[("disclosures.accountable", "all")] == 3
    assert got[("disclosures.accountable", "marketing")] == 1


def test_notice_conflict_states_the_months_count(export):
    ctx = open_report(export, "2026-10")
    text = ds.notice_conflict(ds.DOMAIN.metrics(ctx))
    assert "section 3F" in text and "section 7" in text and "5 disclosures" in text
