"""`analytics import`: vendor files in, contract rows out, the same figures as the contract.

The Twilio files are shaped as Twilio writes them: Message resources with every field the
API returns (JSON lines as BulkExport writes them, dates ISO 8601; an API list page,
dates RFC 2822; a CSV of the same fields, bodies quoted with commas, line breaks and
emoji). October 2026 in Los Angeles (PDT, UTC-7) until 1 November 02:00 local.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest

from analytics.contract import TABLES_BY_NAME
from analytics.errors import UsageError
from analytics.imports import run_import
from analytics.imports.people import e164
from analytics.imports.records import SourceError
from analytics.imports.writing import merge
from analytics.period import Period
from analytics.registry import open_report
from analytics.run.metrics_json import compute_all
from helpers import full_export, rows, run_cli, write_export

KEY = "test-key-never-written-7c1e"
ACCOUNT = "AC5e1f0c2b9a8d7e6f5a4b3c2d1e0f9a8b"
CLINIC = "+18185550100"
MARKETING = "MG9c1f0a7e2b3d4c5f6a7b8c9d0e1f2a3b"
SERVICE = "MG0a1b2c3d4e5f60718293a4b5c6d7e8f9"
UNMAPPED = "MGdeadbeefdeadbeefdeadbeefdeadbeef"
SHORT_CODE = "22395"

DIRECTORY = (
    "patient_id,phone,email\n"
    "P1,(818) 555-0142,ana@example.com\n"
    "P2,+1 818 555 0143,\n"
    "P3,818.555.0144,\n"
)
PURPOSES = (
    "[twilio.purposes]\n"
    f'{MARKETING} = "marketing"\n'
    f'{SERVICE} = "service"\n'
    f'"{SHORT_CODE}" = "marketing"\n'
)


def message(sid, frm, to, body, status, direction, sent, service=None) -> dict:
    """A Message resource with the fields Twilio's API returns (``sent``: UTC)."""
    when = datetime.fromisoformat(sent).replace(tzinfo=UTC)
    return {
        "account_sid": ACCOUNT,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": when,
        "date_sent": when if status not in ("queued", "failed", "canceled") else None,
        "date_updated": when,
        "direction": direction,
        "error_code": 30003 if status == "failed" else None,
        "error_message": "Unreachable destination handset" if status == "failed" else None,
        "from": frm,
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": "1",
        "price": "-0.00790",
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}/Media.json"},
        "to": to,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
    }


MESSAGES = [
    message(
        "SMa1",
        CLINIC,
        "+18185550142",
        "Glow week: 20% off. Reply STOP to opt out",
        "delivered",
        "outbound-api",
        "2026-10-05 17:00:00",
        MARKETING,
    ),
    message("SMa2", "+18185550142", CLINIC, "Stop", "received", "inbound", "2026-10-06 18:00:00"),
    # after the opt-out, a marketing text that failed: it never left Twilio, not counted
    message(
        "SMa3",
        CLINIC,
        "+18185550142",
        "Last chance, 20% off",
        "failed",
        "outbound-api",
        "2026-10-07 17:00:00",
        MARKETING,
    ),
    message(
        "SMa4",
        "whatsapp:+18185550143",
        "whatsapp:" + CLINIC,
        'Hi, can I move my "appt"?\nThanks 😀',
        "received",
        "inbound",
        "2026-10-08 16:00:00",
    ),
    message(
        "SMa5",
        SHORT_CODE,
        "+18185550143",
        "Members: double points, Sat only",
        "delivered",
        "outbound-api",
        "2026-10-09 19:00:00",
    ),
    # an unknown number from a service nobody mapped: a pseudonym, no purpose
    message(
        "SMa6",
        CLINIC,
        "+13235550188",
        "Your appointment is confirmed",
        "delivered",
        "outbound-api",
        "2026-10-10 17:30:00",
        UNMAPPED,
    ),
    # a body removed by Twilio's redaction
    message("SMa7", "+18185550144", CLINIC, "", "received", "inbound", "2026-10-11 20:00:00"),
    message(
        "SMa8",
        CLINIC,
        "+18185550144",
        "Reminder: tomorrow 10am",
        "delivered",
        "outbound-api",
        "2026-10-12 17:00:00",
        SERVICE,
    ),
    # across the change from PDT to PST: 01:30 local, twice
    message(
        "SMa9",
        CLINIC,
        "+18185550142",
        "Reminder: 9am",
        "delivered",
        "outbound-api",
        "2026-11-01 08:30:00",
        SERVICE,
    ),
    message(
        "SMb0",
        CLINIC,
        "+18185550142",
        "Reminder: 9am (again)",
        "delivered",
        "outbound-api",
        "2026-11-01 09:30:00",
        SERVICE,
    ),
    message(
        "SMb1",
        CLINIC,
        "+18185550143",
        "Promo",
        "canceled",
        "outbound-api",
        "2026-10-13 17:00:00",
        MARKETING,
    ),
]


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value


def _rfc(value):
    return format_datetime(value) if isinstance(value, datetime) else value


def write_jsonl(where: Path, items=MESSAGES) -> Path:
    """BulkExport's form: one resource per line, dates ISO 8601."""
    path = where / "messages.jsonl"
    path.write_text(
        "".join(
            json.dumps({k: _iso(v) for k, v in m.items()}, ensure_ascii=False) + "\n" for m in items
        ),
        encoding="utf-8",
    )
    return path


def write_page(where: Path, items=MESSAGES) -> Path:
    """The REST API's list page: dates RFC 2822, as the API writes them."""
    path = where / "page.json"
    page = {
        "end": len(items) - 1,
        "first_page_uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=50&Page=0",
        "messages": [{k: _rfc(v) for k, v in m.items()} for m in items],
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=50&Page=0",
    }
    path.write_text(json.dumps(page, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(where: Path, items=MESSAGES) -> Path:
    """A CSV of the same fields: bodies quoted (commas, line breaks, emoji)."""
    path = where / "messages.csv"
    fields = [k for k in items[0] if k != "subresource_uris"]
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=fields)
        out.writeheader()
        for m in items:
            out.writerow({k: "" if m[k] is None else _iso(m[k]) for k in fields})
    return path


@pytest.fixture
def lookups(tmp_path) -> tuple[Path, Path]:
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY, encoding="utf-8")
    purposes = tmp_path / "purposes.toml"
    purposes.write_text(PURPOSES, encoding="utf-8")
    return directory, purposes


def imported(tmp_path: Path, lookups, source: Path, name: str = "export"):
    directory, purposes = lookups
    into = tmp_path / name
    report = run_import("twilio", [source], into, directory=directory, purposes=purposes, key=KEY)
    return into, report


def table_rows(path: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}') ORDER BY message_id").fetchall()


def test_json_lines_an_api_page_and_a_csv_give_the_same_rows(tmp_path, lookups):
    forms = {}
    for write in (write_jsonl, write_page, write_csv):
        folder = tmp_path / write.__name__
        folder.mkdir()
        into, report = imported(folder, lookups, write(folder))
        forms[write.__name__] = table_rows(into / "messages.parquet")
        assert report.seen.records == 11 and report.added == 9, write.__name__
        assert dict(report.seen.skipped) == {
            "status failed or canceled: never left Twilio, not a message": 2
        }
    assert forms["write_jsonl"] == forms["write_page"] == forms["write_csv"]


def test_each_field_as_the_contract_reads_it(tmp_path, lookups):
    into, report = imported(tmp_path, lookups, write_jsonl(tmp_path))
    got = {r[0]: r for r in table_rows(into / "messages.parquet")}
    # (message_id, patient_id, channel, direction, purpose, body, campaign_id, sent_at)
    assert got["SMa1"][1:7] == ("P1", "sms", "outbound", "marketing", None, None)
    assert got["SMa2"][1:6] == ("P1", "sms", "inbound", None, "Stop")
    assert got["SMa4"][1] == "P2" and got["SMa4"][5] == 'Hi, can I move my "appt"?\nThanks 😀'
    assert got["SMa5"][4] == "marketing"  # the short code's purpose
    assert got["SMa6"][1].startswith("anon-") and got["SMa6"][4] is None
    assert got["SMa7"][5] is None  # redacted
    # 01:30 PDT and 01:30 PST: two instants an hour apart
    assert (got["SMb0"][7] - got["SMa9"][7]).total_seconds() == 3600
    assert report.inbound_without_text == 1
    assert report.seen.pseudonymous_rows == 1
    assert dict(report.seen.unmapped) == {f"purposes: {UNMAPPED}": 1}


def test_a_number_never_becomes_an_id_and_the_key_is_never_written(tmp_path, lookups):
    into, _ = imported(tmp_path, lookups, write_jsonl(tmp_path))
    (pseudonym,) = [r[1] for r in table_rows(into / "messages.parquet") if r[0] == "SMa6"]
    assert "3235550188" not in pseudonym
    for f in into.iterdir():
        data = f.read_bytes()
        assert KEY.encode() not in data and b"3235550188" not in data, f.name
    # the same number under the same key: the same id, import after import
    again, _ = imported(tmp_path, lookups, write_jsonl(tmp_path), "again")
    assert pseudonym in {r[1] for r in table_rows(again / "messages.parquet")}


def test_importing_twice_changes_nothing_and_next_month_adds(tmp_path, lookups):
    source = write_jsonl(tmp_path)
    into, _ = imported(tmp_path, lookups, source)
    first = (into / "messages.parquet").read_bytes()
    _, report = imported(tmp_path, lookups, source)
    assert report.added == 0 and (into / "messages.parquet").read_bytes() == first
    later = tmp_path / "november"
    later.mkdir()
    novembers = [
        message(
            "SMc1", "+18185550143", CLINIC, "HELP", "received", "inbound", "2026-11-03 17:00:00"
        )
    ]
    _, report = imported(tmp_path, lookups, write_jsonl(later, novembers))
    assert report.added == 1 and report.held == 10


def test_rows_of_other_sources_are_kept_and_a_reused_id_is_written_twice(tmp_path, lookups):
    into = tmp_path / "export"
    email = rows(
        "messages", {"message_id": "EM1", "channel": "email", "sent_at": "2026-10-02 18:00:00+00"}
    )
    write_export({"messages": email}, "files_parquet", tmp_path / "made")
    into.mkdir()
    (tmp_path / "made" / "files_parquet" / "messages.parquet").rename(into / "messages.parquet")
    imported(tmp_path, lookups, write_jsonl(tmp_path))
    ids = [r[0] for r in table_rows(into / "messages.parquet")]
    assert "EM1" in ids and len(ids) == 10
    # SMa1 again, with another body: a different record with the same id
    changed = tmp_path / "changed"
    changed.mkdir()
    other = [
        message(
            "SMa1",
            CLINIC,
            "+18185550142",
            "Other text",
            "delivered",
            "outbound-api",
            "2026-10-05 17:00:01",
            MARKETING,
        )
    ]
    _, report = imported(tmp_path, lookups, write_jsonl(changed, other))
    assert report.added == 1
    assert [r[0] for r in table_rows(into / "messages.parquet")].count("SMa1") == 2


# ------------------------------------------------------------------ the same figures


def contract_messages() -> list[dict]:
    """The rows the Twilio files hold, written by hand in the contract's form (PSEUDONYM:
    the keyed hash of +13235550188, read from the import)."""

    def m(mid, patient, direction, purpose, body, sent):
        return {
            "message_id": mid,
            "patient_id": patient,
            "channel": "sms",
            "direction": direction,
            "purpose": purpose,
            "body": body,
            "campaign_id": None,
            "sent_at": sent,
        }

    return [
        m("SMa1", "P1", "outbound", "marketing", None, "2026-10-05 17:00:00+00"),
        m("SMa2", "P1", "inbound", None, "Stop", "2026-10-06 18:00:00+00"),
        m(
            "SMa4",
            "P2",
            "inbound",
            None,
            'Hi, can I move my "appt"?\nThanks 😀',
            "2026-10-08 16:00:00+00",
        ),
        m("SMa5", "P2", "outbound", "marketing", None, "2026-10-09 19:00:00+00"),
        m("SMa6", "PSEUDONYM", "outbound", None, None, "2026-10-10 17:30:00+00"),
        m("SMa7", "P3", "inbound", None, None, "2026-10-11 20:00:00+00"),
        m("SMa8", "P3", "outbound", "service", None, "2026-10-12 17:00:00+00"),
        m("SMa9", "P1", "outbound", "service", None, "2026-11-01 08:30:00+00"),
        m("SMb0", "P1", "outbound", "service", None, "2026-11-01 09:30:00+00"),
    ]


def consent_event(eid, patient, action, method, at, processed, purpose="marketing", source=None):
    """A texting consent event as the contract writes it (times UTC)."""
    return rows(
        "consent_events",
        {
            "event_id": eid,
            "patient_id": patient,
            "purpose": purpose,
            "action": action,
            "method": method,
            "occurred_at": at,
            "processed_at": processed,
            "source_message_id": source,
        },
    )[0]


CONSENT = [
    consent_event(
        "CE1", "P1", "opt_in", "web_form", "2026-09-01 17:00:00+00", "2026-09-01 17:00:00+00"
    ),
    consent_event(
        "CE2",
        "P1",
        "opt_out",
        "sms_keyword",
        "2026-10-06 18:00:00+00",
        "2026-10-06 18:01:00+00",
        purpose="all",
        source="SMa2",
    ),
    consent_event(
        "CE3", "P2", "opt_in", "web_form", "2026-09-01 17:00:00+00", "2026-09-01 17:00:00+00"
    ),
]


def test_the_run_s_figures_are_the_same_from_twilio_files_and_from_the_contract(tmp_path, lookups):
    into, _ = imported(tmp_path, lookups, write_page(tmp_path))
    pseudonym = next(r[1] for r in table_rows(into / "messages.parquet") if r[0] == "SMa6")
    by_hand = [
        {**m, "patient_id": pseudonym} if m["patient_id"] == "PSEUDONYM" else m
        for m in contract_messages()
    ]
    others = full_export(consent_events=CONSENT)
    del others["messages"]
    contract = write_export({**others, "messages": by_hand}, "files_parquet", tmp_path / "contract")
    vendor = write_export(others, "files_parquet", tmp_path / "vendor")
    (into / "messages.parquet").rename(vendor / "messages.parquet")
    figures = []
    for source in (contract, vendor):
        ctx = open_report(source, "2026-10")
        try:
            figures.append(compute_all(replace(ctx, period=Period.parse("2026-10"))))
            quarantine = ctx.export.quarantine_counts()
        finally:
            ctx.export.close()
        # the unmapped service's text has no purpose: quarantined, as the contract says
        assert quarantine == [{"table": "messages", "reason": "missing_required", "rows": 1}]
    assert figures[0] == figures[1]
    value = {(r["metric"], r["segment"]): r["value"] for r in figures[1]}
    # the failed text after the opt-out never left Twilio: no marketing after opt-out
    assert value[("consent.marketing_after_optout", "all")] == 0


# ------------------------------------------------------------------ hostile input


def test_a_truncated_json_line_names_the_file_and_line_and_writes_nothing(tmp_path, lookups):
    source = write_jsonl(tmp_path)
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:60]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    into = tmp_path / "export"
    with pytest.raises(SourceError, match=r"messages.jsonl line 5: not a JSON record"):
        imported(tmp_path, lookups, source)
    assert not (into / "messages.parquet").exists()


def test_a_wrong_file_for_the_kind_is_refused(tmp_path, lookups):
    mailchimp = tmp_path / "members.csv"
    mailchimp.write_text(
        "Email Address,First Name,OPTIN_TIME\nana@example.com,Ana,2026-01-02 10:00:00\n"
    )
    with pytest.raises(SourceError, match=r"members.csv line 2: no field sid: not a twilio record"):
        imported(tmp_path, lookups, mailchimp)


def test_a_phone_given_to_two_patients_is_refused_naming_both_lines(tmp_path):
    directory = tmp_path / "directory.csv"
    directory.write_text("patient_id,phone\nP1,818-555-0142\nP2,+18185550143\nP9,(818) 555 0142\n")
    with pytest.raises(
        UsageError,
        match=r"line 4: phone \(818\) 555 0142 is patient P9's and, on line 2, patient P1's",
    ):
        run_import("twilio", [write_jsonl(tmp_path)], tmp_path / "x", directory=directory, key=KEY)


def test_without_a_key_a_stranger_s_number_is_refused_not_written_in_clear(
    tmp_path, lookups, monkeypatch
):
    monkeypatch.delenv("ANALYTICS_IMPORT_KEY", raising=False)
    directory, purposes = lookups
    with pytest.raises(UsageError, match="import_key"):
        run_import(
            "twilio",
            [write_jsonl(tmp_path)],
            tmp_path / "x",
            directory=directory,
            purposes=purposes,
        )
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("(818) 555-0142", "+18185550142"),
        ("818.555.0142", "+18185550142"),
        ("1-818-555-0142", "+18185550142"),
        ("+1 818 555 0142", "+18185550142"),
        ("whatsapp:+18185550142", "+18185550142"),
        ("+44 20 7946 0958", "+442079460958"),
        ("22395", "22395"),
        ("555-0142", None),
    ],
)
def test_phone_spellings_compare_in_e164(spelling, expected):
    assert e164(spelling) == expected


@pytest.mark.slow  # a child process
def test_the_command_reports_and_ends_with_a_code(tmp_path, lookups):
    directory, purposes = lookups
    source = write_jsonl(tmp_path)
    done = run_cli(
        "import",
        "twilio",
        str(source),
        "--into",
        str(tmp_path / "export"),
        "--directory",
        str(directory),
        "--purposes",
        str(purposes),
        env={"ANALYTICS_IMPORT_KEY": KEY},
    )
    assert done.returncode == 0, done.stderr
    assert "9 rows added" in done.stdout and "skipped 2" in done.stdout
    source.write_text('{"sid": "SMx", "from": "+1818\n', encoding="utf-8")
    done = run_cli(
        "import",
        "twilio",
        str(source),
        "--into",
        str(tmp_path / "export"),
        env={"ANALYTICS_IMPORT_KEY": KEY},
    )
    assert done.returncode == 3 and "line 1" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------ e-mail consent

MAILCHIMP_HEADER = (
    "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,"
    "CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,"
    "NOTES,TAGS"
)


def test_mailchimp_audience_files_give_opt_ins_and_unsubscribes_not_bounces(tmp_path, lookups):
    subscribed = tmp_path / "subscribed_members_export_3f2a.csv"
    subscribed.write_text(
        MAILCHIMP_HEADER + "\n"
        # double opt-in: the confirmation is the moment of consent
        '"Ana@Example.com ",Ana,"Ruiz, Jr.",2,"2026-09-01 16:00:00",203.0.113.5,'
        '"2026-09-01 16:05:00",203.0.113.5,,,,,,,,"2026-09-01 16:05:00",101,a1b2c3,,"""VIP"""\n'
        # an imported contact: no opt-in time, no proof of consent
        "new@example.com,Bo,Lee,2,,,,,,,,,,,,2026-10-01 10:00:00,102,d4e5f6,,\n",
        encoding="utf-8",
    )
    unsubscribed = tmp_path / "unsubscribed_members_export_3f2a.csv"
    unsubscribed.write_text(
        MAILCHIMP_HEADER
        + ",UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER\n"
        "stranger@example.org,Cy,Do,1,2026-03-02 10:00:00,,,,,,,,,,,2026-10-04 09:00:00,103,"
        'g7h8i9,,,"2026-10-04 09:00:00","October offers",c0ffee,'
        '"I no longer want to receive these emails",\n',
        encoding="utf-8",
    )
    cleaned = tmp_path / "cleaned_members_export_3f2a.csv"
    cleaned.write_text(
        MAILCHIMP_HEADER + ",CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\n"
        "gone@example.net,Di,Ex,1,,,,,,,,,,,,2026-10-05 11:00:00,104,j1k2l3,,,"
        "2026-10-05 11:00:00,October offers,c0ffee\n",
        encoding="utf-8",
    )
    directory, _ = lookups
    into = tmp_path / "export"
    report = run_import(
        "mailchimp", [subscribed, unsubscribed, cleaned], into, directory=directory, key=KEY
    )
    got = duckdb.sql(
        f"SELECT patient_id, channel, purpose, action, method, occurred_at, event_id "
        f"FROM read_parquet('{into / 'consent_events.parquet'}') ORDER BY occurred_at"
    ).fetchall()
    assert [g[:5] for g in got] == [
        (got[0][0], "email", "marketing", "opt_in", "web_form"),  # stranger's opt-in
        ("P1", "email", "marketing", "opt_in", "web_form"),
        (got[0][0], "email", "marketing", "opt_out", "email_link"),
    ]
    assert got[1][5] == datetime(2026, 9, 1, 16, 5, tzinfo=UTC)  # the confirmation
    assert got[0][0].startswith("anon-")
    assert all("example" not in g[6] for g in got)  # an address never becomes an id
    assert dict(report.seen.skipped) == {
        "gives no row (none of the fields its rows need)": 2  # no opt-in time; bounced
    }


def test_klaviyo_suppressions_count_unsubscribes_and_complaints_only(tmp_path, lookups):
    source = tmp_path / "suppressions.csv"
    source.write_text(
        "Email,Reason,Timestamp\n"
        "ana@example.com,UNSUBSCRIBE,2026-10-04T20:07:38+00:00\n"
        "ana@example.com,SPAM_COMPLAINT,2026-10-06T08:00:00+00:00\n"
        "bounce@example.com,HARD_BOUNCE,2026-10-05T08:00:00+00:00\n"
        "clinic@example.com,USER_SUPPRESSED,2026-10-05T09:00:00+00:00\n",
        encoding="utf-8",
    )
    directory, _ = lookups
    into = tmp_path / "export"
    report = run_import("klaviyo", [source], into, directory=directory, key=KEY)
    got = duckdb.sql(
        f"SELECT patient_id, action FROM read_parquet('{into / 'consent_events.parquet'}')"
    ).fetchall()
    assert got == [("P1", "opt_out"), ("P1", "opt_out")]
    assert sum(report.seen.skipped.values()) == 2


# ------------------------------------------------------------------ columns


def docs_example() -> str:
    """The mapping of docs/imports.md, as the docs show it."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "imports.md").read_text()
    block = text.split("<!-- columns-example:start -->")[1].split("<!-- columns-example:end -->")[0]
    return block.strip().removeprefix("```toml").removesuffix("```")


def test_the_docs_columns_example_maps_a_release_of_information_log(tmp_path):
    mapping = tmp_path / "roi-log.toml"
    mapping.write_text(docs_example(), encoding="utf-8")
    log = tmp_path / "roi-log.csv"
    log.write_text(
        "Log #,Chart ID,Released,Released To,Address,Recipient Type,Reason,Items Released,"
        "Authorization #,Status\n"
        'R-101,P1,10/07/2026 1:00 PM,"Smith & Lee, LLP","1 Main St, Encino",Attorney,'
        'Patient request,"Chart, 2024-2026",A-9,Released\n'
        # 1:30 AM on the night the clocks go back: PDT, the first of the two
        "R-102,P1,11/01/2026 1:30 AM,Anthem,,Insurance,Claim,Claim form,,Released\n"
        "R-103,P2,10/09/2026 9:00 AM,Dr. Ng,,Provider,Continuity of care,Summary,,Cancelled\n"
        "R-104,P2,10/10/2026 9:00 AM,Dr. Ng,,Provider,Second opinion,Summary,,Released\n",
        encoding="utf-8",
    )
    into = tmp_path / "export"
    report = run_import("columns", [log], into, mapping_file=mapping)
    got = duckdb.sql(
        f"SELECT disclosure_id, disclosed_at, recipient_name, recipient_type, purpose, "
        f"authorization_id FROM read_parquet('{into / 'disclosures.parquet'}') "
        "ORDER BY disclosure_id"
    ).fetchall()
    assert [g[0] for g in got] == ["R-101", "R-102", "R-104"]
    assert got[0][1] == datetime(2026, 10, 7, 20, 0, tzinfo=UTC)  # 1 PM PDT
    assert got[1][1] == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 1:30 AM PDT
    assert got[0][2:] == ("Smith & Lee, LLP", "other", "other", "A-9")
    # a reason outside the code map: kept as given, counted, quarantined by the run
    assert got[2][4] == "Second opinion"
    assert dict(report.seen.outside_codes) == {"purpose: Second opinion": 1}
    assert dict(report.seen.skipped) == {"a cancelled release: nothing was disclosed": 1}


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('table = "disclosures"', 'table = "disclosure"', "not a contract table"),
        ('"Claim" = "payment"', '"Claim" = "billing"', "'billing' is not a code of purpose"),
        ("description = ", "summary = ", "'summary' is not a column of disclosures"),
        ('description = { field = "Items Released" }\n', "", "no rule for required column"),
    ],
)
def test_a_mapping_s_mistake_is_refused_naming_its_key(tmp_path, old, new, words):
    mapping = tmp_path / "m.toml"
    mapping.write_text(docs_example().replace(old, new, 1), encoding="utf-8")
    with pytest.raises(UsageError, match=words):
        run_import("columns", [mapping], tmp_path / "x", mapping_file=mapping)


# ------------------------------------------------------------------ FHIR audit events


def audit_event(aid, who, patient, recorded, action="R", outcome="0") -> dict:
    """An R4 AuditEvent as an EHR's bulk export writes it."""
    return {
        "resourceType": "AuditEvent",
        "id": aid,
        "meta": {"lastUpdated": recorded},
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "RESTful Operation",
        },
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}],
        "action": action,
        "recorded": recorded,
        "outcome": outcome,
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
                            "code": "humanuser",
                        }
                    ]
                },
                "who": {"reference": f"Practitioner/{who}", "display": "Dr. A. Rivera"},
                "requestor": True,
                "network": {"address": "10.0.0.12", "type": "2"},
            },
            {"who": {"display": "Contour EHR"}, "requestor": False},
        ],
        "source": {"observer": {"display": "Contour EHR"}},
        "entity": [
            {
                "what": {"reference": f"Patient/{patient}"},
                "type": {"code": "1", "display": "Person"},
                "role": {"code": "1", "display": "Patient"},
            }
        ],
    }


EVENTS = [
    audit_event("ae-1", "W1", "P1", "2026-10-07T10:00:00-07:00"),
    audit_event("ae-2", "W1", "P2", "2026-10-08T22:30:00-07:00", action="U"),  # after hours
    audit_event("ae-3", "W1", "P2", "2026-10-09T10:00:00-07:00", outcome="8"),  # failed
    audit_event("ae-4", "EHR-77", "P3", "2026-10-10T10:00:00-07:00", action="D"),
]


def test_fhir_audit_events_from_ndjson_or_a_bundle(tmp_path):
    ndjson = tmp_path / "AuditEvent.ndjson"
    ndjson.write_text("".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    bundle = tmp_path / "bundle.json"
    patient = {"resourceType": "Patient", "id": "P1"}
    bundle.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": 5,
                "entry": [{"fullUrl": f"urn:uuid:{e['id']}", "resource": e} for e in EVENTS]
                + [{"resource": patient}],
            }
        ),
        encoding="utf-8",
    )
    references = tmp_path / "references.toml"
    references.write_text('[fhir-audit.members]\n"Practitioner/EHR-77" = "W9"\n')
    found = []
    for source in (ndjson, bundle):
        into = tmp_path / source.stem
        report = run_import("fhir-audit", [source], into, purposes=references)
        found.append(
            duckdb.sql(
                f"SELECT * FROM read_parquet('{into / 'access_log.parquet'}') ORDER BY access_id"
            ).fetchall()
        )
        assert (
            report.seen.skipped["a failed attempt (outcome 4, 8 or 12): no record was opened"] == 1
        )
    assert found[0] == found[1]
    assert [r[:3] + r[4:] for r in found[0]] == [
        ("ae-1", "W1", "P1", "view"),
        ("ae-2", "W1", "P2", "edit"),
        ("ae-4", "W9", "P3", "delete"),  # the reference mapped by the lookup file
    ]
    assert found[0][1][3] == datetime(2026, 10, 9, 5, 30, tzinfo=UTC)


def test_the_run_s_figures_from_every_kind_of_vendor_file_equal_the_contract_s(tmp_path, lookups):
    """Texts from a Twilio page, e-mail consent from Mailchimp, record access from FHIR:
    the same rows written by hand in the contract's form give the same metrics.json."""
    directory, purposes = lookups
    vendor = tmp_path / "vendor"
    run_import(
        "twilio", [write_page(tmp_path)], vendor, directory=directory, purposes=purposes, key=KEY
    )
    members = tmp_path / "unsubscribed.csv"
    members.write_text(
        "Email Address,OPTIN_TIME,CONFIRM_TIME,UNSUB_TIME,LEID\n"
        "ana@example.com,2026-09-01 16:00:00,2026-09-01 16:05:00,2026-10-04 09:00:00,101\n",
        encoding="utf-8",
    )
    run_import("mailchimp", [members], vendor, directory=directory, key=KEY)
    ndjson = tmp_path / "AuditEvent.ndjson"
    ndjson.write_text("".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    references = tmp_path / "references.toml"
    references.write_text('[fhir-audit.members]\n"Practitioner/EHR-77" = "W9"\n')
    run_import("fhir-audit", [ndjson], vendor, purposes=references)
    imported_ids = {
        table: duckdb.sql(
            f"SELECT * FROM read_parquet('{vendor / (table + '.parquet')}')"
        ).fetchall()
        for table in ("messages", "consent_events")
    }
    pseudonym = next(r[1] for r in imported_ids["messages"] if r[0] == "SMa6")
    by_id = {r[4]: r[0] for r in imported_ids["consent_events"]}  # action -> event_id
    email = [
        {
            "event_id": by_id["opt_in"],
            "patient_id": "P1",
            "channel": "email",
            "purpose": "marketing",
            "action": "opt_in",
            "method": "web_form",
            "occurred_at": "2026-09-01 16:05:00+00",
            "processed_at": "2026-09-01 16:05:00+00",
            "source_message_id": None,
        },
        {
            "event_id": by_id["opt_out"],
            "patient_id": "P1",
            "channel": "email",
            "purpose": "marketing",
            "action": "opt_out",
            "method": "email_link",
            "occurred_at": "2026-10-04 09:00:00+00",
            "processed_at": "2026-10-04 09:00:00+00",
            "source_message_id": None,
        },
    ]
    access = [
        {
            "access_id": "ae-1",
            "member_id": "W1",
            "patient_id": "P1",
            "accessed_at": "2026-10-07 17:00:00+00",
            "action": "view",
        },
        {
            "access_id": "ae-2",
            "member_id": "W1",
            "patient_id": "P2",
            "accessed_at": "2026-10-09 05:30:00+00",
            "action": "edit",
        },
        {
            "access_id": "ae-4",
            "member_id": "W9",
            "patient_id": "P3",
            "accessed_at": "2026-10-10 17:00:00+00",
            "action": "delete",
        },
    ]
    texts = [
        {**m, "patient_id": pseudonym} if m["patient_id"] == "PSEUDONYM" else m
        for m in contract_messages()
    ]
    # the other tables as the contract writes them, the same in both exports; the texts'
    # consent (CONSENT) beside the e-mail rows in consent_events
    others = full_export()
    for table in ("messages", "consent_events", "access_log"):
        del others[table]
    contract = write_export(
        {**others, "messages": texts, "consent_events": CONSENT + email, "access_log": access},
        "files_parquet",
        tmp_path / "contract",
    )
    # the texts' consent log, from the texting platform's own records, merged beside
    # the e-mail rows (rows of other sources are kept)
    typed = [
        {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v for k, v in c.items()}
        for c in CONSENT
    ]
    pending, added, _ = merge(
        TABLES_BY_NAME["consent_events"], typed, vendor / "consent_events.parquet"
    )
    assert pending is not None and added == 3
    pending.replace(vendor / "consent_events.parquet")
    rest = write_export(others, "files_parquet", tmp_path / "rest")
    for f in rest.glob("*.parquet"):
        f.rename(vendor / f.name)
    figures = []
    for source in (contract, vendor):
        ctx = open_report(source, "2026-10")
        try:
            figures.append(compute_all(ctx))
        finally:
            ctx.export.close()
    assert figures[0] == figures[1]
    value = {(r["metric"], r["segment"]): r["value"] for r in figures[1]}
    assert value[("consent.opt_outs", "email")] == 1
    assert value[("access.events", "all")] == 3


def test_a_redacted_reply_makes_only_the_figures_that_read_words_not_measurable(tmp_path, lookups):
    from analytics.domains.quality import data_problems
    from analytics.presentation.index import tiles
    from analytics.registry import DOMAINS

    # SMa7 arrived without text (and without SMa6, which the run quarantines: every text
    # of the month is read)
    texts = [m for m in MESSAGES if m["sid"] != "SMa6"]
    into, _ = imported(tmp_path, lookups, write_jsonl(tmp_path, texts))
    others = full_export(consent_events=CONSENT)
    del others["messages"]
    vendor = write_export(others, "files_parquet", tmp_path / "vendor")
    (into / "messages.parquet").rename(vendor / "messages.parquet")
    ctx = open_report(vendor, "2026-10")
    try:
        problems = data_problems(ctx)
        figures = compute_all(ctx)
    finally:
        ctx.export.close()
    assert list(problems) == ["messages.body"]
    assert problems["messages.body"].startswith("1 inbound text of 2026-10 has no words")
    shown = {
        t.metric: t
        for t in tiles(figures, ctx.policy, {d.name for d in DOMAINS}, problems)
        if t.segment in ("all", "sms")
    }
    # what needs the words of replies: never green
    assert shown["consent.missed_keyword_optouts"].status == "problem"
    # what does not: judged as usual
    assert shown["consent.marketing_after_optout"].status == "green"


def test_the_consent_page_says_what_a_redaction_hides(tmp_path, lookups):
    from analytics.domains import consent

    into, _ = imported(tmp_path, lookups, write_jsonl(tmp_path))
    others = full_export(consent_events=CONSENT)
    del others["messages"]
    vendor = write_export(others, "files_parquet", tmp_path / "vendor")
    (into / "messages.parquet").rename(vendor / "messages.parquet")
    ctx = open_report(vendor, "2026-10")
    try:
        said = consent.replies_without_words(ctx)
        november = consent.replies_without_words(replace(ctx, period=Period.parse("2026-11")))
    finally:
        ctx.export.close()
    assert said.startswith("1 inbound text of 2026-10 arrived without its words")
    assert november == ""


# ------------------------------------------------------------------ the newcomer's path

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_release_log_mapping_is_the_docs_example():
    shipped = (ROOT / "examples" / "first-import" / "roi-log.toml").read_text(encoding="utf-8")
    assert docs_example().strip() in shipped


@pytest.mark.slow  # child processes and a run
def test_the_readme_s_newcomer_path_imports_vendor_files_and_runs_the_month(tmp_path):
    """The README's lines, as written, from a folder holding the checkout's .venv and
    examples: five imports and a run give the month's reports."""
    import subprocess

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- newcomer:start -->")[1].split("<!-- newcomer:end -->")[0]
    lines = [x for x in block.strip().strip("`").removeprefix("sh").strip().splitlines()]
    assert len(lines) <= 8
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    done = subprocess.run(
        ["bash", "-euc", "\n".join(lines)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if not k.startswith("ANALYTICS_")},
    )
    assert done.returncode == 0, done.stderr
    assert "messages: 8 rows added" in done.stdout
    doc = json.loads((tmp_path / "reports" / "demo" / "2026-10" / "metrics.json").read_text())
    value = {(m["metric"], m["segment"]): m["value"] for m in doc["metrics"]}
    assert value[("requests.received", "all")] == 2
    assert value[("consent.opt_outs", "email")] == 1
    assert value[("disclosures.total", "all")] == 2
    # the examples hold no phone number or address in clear anywhere in the export
    for f in (tmp_path / "exports" / "demo").iterdir():
        assert b"example.com" not in f.read_bytes() and b"555014" not in f.read_bytes()


def test_an_import_never_writes_into_the_shipped_sample(tmp_path, lookups):
    from analytics.paths import sample_path

    with pytest.raises(UsageError, match="EXPORT DATABASE"):
        imported(tmp_path, lookups, write_jsonl(tmp_path), name=str(sample_path()))
