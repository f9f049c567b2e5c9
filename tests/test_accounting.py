"""The accounting of disclosures (45 CFR 164.528) for one patient."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date

import pytest

from analytics.domains.disclosures import accounting as ac
from analytics.presentation.accounting import render_accounting
from analytics.registry import open_for_date
from conftest import full_export, write_export

EXCLUDED = [
    "treatment",
    "payment",
    "operations",
    "limited_data_set",
    "national_security",
    "correctional",
    "facility_directory",
    "incidental",
]
INCLUDED = [
    "required_by_law",
    "public_health",
    "health_oversight",
    "judicial",
    "law_enforcement",
    "research",
    "marketing",
    "sale",
    "other",
]


def d(did, purpose, when="2024-05-01 17:00:00", *, rtype="other", auth=None, patient="PX"):
    return {
        "disclosure_id": did,
        "patient_id": patient,
        "disclosed_at": when,
        "recipient_name": f"<b>{did}</b> Ltd",
        "recipient_address": None,
        "recipient_type": rtype,
        "purpose": purpose,
        "data_categories": "phi",
        "description": f"what {did}",
        "authorization_id": auth,
        "vendor_id": None,
    }


ROWS = (
    [d(f"EX_{p}", p) for p in EXCLUDED]
    + [d(f"IN_{p}", p) for p in INCLUDED]
    + [
        d("AUTHORIZED", "research", auth="AUTH-9"),
        d("TO_PATIENT", "other", rtype="patient"),
        # window of a request dated 2026-10-31: 2020-10-31 to 2026-10-31, local dates
        d("FIRST_DAY", "judicial", "2020-10-31 17:00:00"),
        d("DAY_BEFORE", "judicial", "2020-10-30 17:00:00"),
        d("LAST_DAY", "judicial", "2026-11-01 06:00:00"),  # 23:00 PDT on 31 Oct
        d("DAY_AFTER", "judicial", "2026-11-01 17:00:00"),
        d("OTHER_PATIENT", "judicial", patient="PY"),
    ]
)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    tables = full_export(disclosures=ROWS)
    tables["records"] = [{**tables["records"][0], "patient_id": "PNONE"}]
    return write_export(tables, "files_parquet", tmp_path_factory.mktemp("acc"))


@pytest.fixture(scope="module")
def ctx(export):
    ctx = open_for_date(export, None, date(2026, 10, 31))
    yield ctx
    ctx.export.close()


def test_excluded_purposes_authorizations_and_the_patient_are_left_out(ctx):
    ids = list(ac.accounting(ctx, "PX", date(2026, 10, 31)).disclosures["disclosure_id"])
    for p in EXCLUDED:
        assert f"EX_{p}" not in ids
    for p in INCLUDED:
        assert f"IN_{p}" in ids
    assert "AUTHORIZED" not in ids and "TO_PATIENT" not in ids
    assert "OTHER_PATIENT" not in ids


def test_six_year_window_first_and_last_day(ctx):
    acc = ac.accounting(ctx, "PX", date(2026, 10, 31))
    ids = list(acc.disclosures["disclosure_id"])
    assert acc.first_day == date(2020, 10, 31)
    assert "FIRST_DAY" in ids and "LAST_DAY" in ids
    assert "DAY_BEFORE" not in ids and "DAY_AFTER" not in ids
    assert ids[0] == "FIRST_DAY" and ids[-1] == "LAST_DAY"  # oldest first
    assert len(ids) == len(INCLUDED) + 2


def test_window_from_29_february():
    assert ac.window_start(date(2028, 2, 29), 6) == date(2022, 2, 28)


def test_unknown_patient_and_injection_attempt_find_nothing(ctx):
    for pid in ["NOPE", "x' OR '1'='1", "PX' --"]:
        with pytest.raises(ac.AccountingError, match="no patient"):
            ac.accounting(ctx, pid, date(2026, 10, 31))


def test_patient_with_no_accountable_disclosure_gets_a_document_saying_so(ctx):
    acc = ac.accounting(ctx, "PNONE", date(2026, 10, 31))
    page = render_accounting(ctx, acc)
    assert acc.disclosures.empty
    assert "We made no disclosures" in page


def test_document_lists_each_disclosure_escaped_with_the_164_528_wording(ctx):
    page = render_accounting(ctx, ac.accounting(ctx, "PX", date(2026, 10, 31)))
    assert "<b>IN_sale</b>" not in page and "&lt;b&gt;IN_sale&lt;/b&gt; Ltd" in page
    assert "45 CFR 164.528" in page and "Contour Medical Spa" in page
    assert "Judicial or administrative proceeding" in page and "not known" in page
    assert "<script" not in page


def test_accounting_cli_writes_a_private_document(export, tmp_path):
    out = tmp_path / "acc.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "accounting",
            "--patient",
            "PX",
            "--as-of",
            "2026-10-31",
            "--source",
            str(export),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{len(INCLUDED) + 2} accountable disclosures" in done.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "accounting",
            "--patient",
            "NOPE",
            "--source",
            str(export),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "no patient 'NOPE'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_dates_are_plain_local_dates(ctx):
    acc = ac.accounting(ctx, "PX", date(2026, 10, 31))
    row = acc.disclosures.set_index("disclosure_id").loc["LAST_DAY"]
    assert row["date"] == "2026-10-31"  # 23:00 PDT on 31 October, not 1 November UTC
    assert "<td>2026-10-31</td>" in render_accounting(ctx, acc)
