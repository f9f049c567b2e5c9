"""The accounting of disclosures (45 CFR 164.528) for one patient."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date

import pytest

from analytics.documents import accounting as ac
from analytics.registry import open_for_date
from helpers import full_export, write_export

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
    page = " ".join(ac.render(ctx, acc).split())  # as a reader sees the words
    assert acc.disclosures.empty
    assert "Our records show no disclosure of your protected health information from " in page
    assert "2020-10-31 to 2026-10-31 that must be included" in page


def test_document_lists_each_disclosure_escaped_with_the_164_528_wording(ctx):
    page = ac.render(ctx, ac.accounting(ctx, "PX", date(2026, 10, 31)))
    assert "<b>IN_sale</b>" not in page and "&lt;b&gt;IN_sale&lt;/b&gt; Ltd" in page
    assert "45 CFR 164.528" in page and "Contour Medical Spa" in page
    assert "Judicial or administrative proceeding" in page and "not known" in page
    assert "<script" not in page


@pytest.mark.slow  # prints the PDF with chromium
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
    assert "<td>2026-10-31</td>" in ac.render(ctx, acc)


# ---------------------------------------------------------------- what the records can show


def test_the_document_names_where_the_disclosure_records_begin(ctx):
    acc = ac.accounting(ctx, "PX", date(2026, 10, 31))
    page = " ".join(ac.render(ctx, acc).split())
    # the log's first row is DAY_BEFORE, 2020-10-30 10:00 PDT: before the window starts
    assert acc.records_begin == date(2020, 10, 30) and not acc.window_before_records
    assert "Our records of disclosures in this system begin on 2020-10-30." in page
    assert "<b>Period covered:</b> 2020-10-31 to 2026-10-31 (the six years" in page


def test_a_window_starting_before_the_records_says_so_in_plain_words(tmp_path):
    later = [r for r in ROWS if r["disclosed_at"] >= "2024"]  # the log begins 2024-05-01
    export = write_export(full_export(disclosures=later), "files_parquet", tmp_path)
    ctx = open_for_date(export, None, date(2026, 10, 31))
    try:
        acc = ac.accounting(ctx, "PX", date(2026, 10, 31))
        page = " ".join(ac.render(ctx, acc).split())
    finally:
        ctx.export.close()
    assert (acc.first_day, acc.records_begin, acc.shown_from) == (
        date(2020, 10, 31),
        date(2024, 5, 1),
        date(2024, 5, 1),
    )
    assert "<b>Period covered:</b> 2024-05-01 to 2026-10-31<br>" in page
    assert "The six years before your request begin on 2020-10-31;" in page
    assert "cannot show any disclosure made before 2024-05-01" in page


@pytest.mark.parametrize(
    ("as_of", "words"),
    [
        ("2019-01-01", "is before the export's disclosure records begin (2020-10-30)"),
        ("2026-11-02", "is after the last day the export covers (2026-11-01)"),
    ],
)
def test_an_as_of_date_outside_the_export_is_refused(export, tmp_path, as_of, words):
    from helpers import run_cli

    out = tmp_path / "acc.html"
    done = run_cli(
        "accounting", "--patient", "PX", "--as-of", as_of, "--source", str(export),
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 2 and words in done.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def quarantined_export(tmp_path_factory):
    """PX's 'law enforcement' (a space for the underscore) in the window: quarantined as
    unknown_code; a quarantined row of another patient and one of PX before the window
    do not matter."""
    bad = [
        d("TYPO", "law enforcement", "2025-03-01 17:00:00"),
        d("TYPO_OTHER", "law enforcement", "2025-03-01 17:00:00", patient="PY"),
        d("TYPO_OLD", "law enforcement", "2019-03-01 17:00:00"),
    ]
    tables = full_export(disclosures=ROWS + bad)
    return write_export(tables, "files_csv", tmp_path_factory.mktemp("q"), typed=False)


def test_a_quarantined_disclosure_in_the_window_stops_the_letter(quarantined_export, tmp_path):
    from helpers import run_cli

    out = tmp_path / "acc.html"
    args = ["accounting", "--patient", "PX", "--as-of", "2026-10-31"]
    done = run_cli(*args, "--source", str(quarantined_export), "--out", str(out))
    assert done.returncode == 3, done.stderr
    assert not out.exists()
    assert "no letter written: 1 disclosure record of patient PX" in done.stderr
    assert "TYPO dated 2025-03-01 17:00:00: unknown_code" in done.stderr
    assert "TYPO_OTHER" not in done.stderr and "TYPO_OLD" not in done.stderr

    allowed = run_cli(
        *args, "--source", str(quarantined_export), "--out", str(out), "--allow-incomplete"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "1 quarantined disclosure record(s) left out" in allowed.stderr
    page = " ".join(out.read_text().split())
    assert "Some records are under review." in page and "TYPO" not in page
    assert f"{len(INCLUDED) + 2} accountable disclosures" in allowed.stdout


def test_an_unreadable_line_naming_the_patient_also_stops_the_letter(tmp_path):
    export = write_export(full_export(disclosures=ROWS), "files_csv", tmp_path, typed=False)
    with (export / "disclosures.csv").open("a") as f:
        f.write("D99,PX,2025-03-01\n")  # cut short: not a row
    ctx = open_for_date(export, None, date(2026, 10, 31))
    try:
        acc = ac.accounting(ctx, "PX", date(2026, 10, 31))
    finally:
        ctx.export.close()
    assert acc.under_review.to_dict("records") == [
        {"row": len(ROWS) + 1, "disclosure_id": "", "date as read": "", "reason": "bad_value"}
    ]
    with pytest.raises(ac.IncompleteAccounting, match="(unreadable line)"):
        acc.require_complete()


def pdf_text(path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    assert len(reader.pages) >= 1
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


@pytest.mark.slow
def test_the_accounting_is_also_a_private_pdf(export, tmp_path):
    from helpers import run_cli

    out = tmp_path / "letters" / "acc.html"
    args = ["accounting", "--patient", "PX", "--as-of", "2026-10-31", "--source", str(export)]
    done = run_cli(*args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    pdf = out.with_suffix(".pdf")
    assert f"wrote {pdf}" in done.stdout
    assert stat.S_IMODE(os.stat(pdf).st_mode) == 0o600
    text = pdf_text(pdf)
    assert "Accounting of disclosures of protected health information" in text
    assert "Patient: PX" in text and "2020-10-31 to 2026-10-31" in text


@pytest.mark.slow
def test_without_chromium_the_pdf_is_skipped_with_a_warning(export, tmp_path, monkeypatch):
    from helpers import run_cli

    monkeypatch.setenv("ANALYTICS_CHROMIUM", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "acc.html"
    args = ["accounting", "--patient", "PX", "--as-of", "2026-10-31", "--source", str(export)]
    done = run_cli(*args, "--out", str(out))
    assert done.returncode == 0 and out.is_file() and not out.with_suffix(".pdf").exists()
    assert "PDF skipped: no chromium to print acc.html with" in done.stderr
