"""Helpers for tests that run the report notebooks on a tiny export."""

from __future__ import annotations

from pathlib import Path

from helpers import full_export, rows, write_export

# Values that must never reach a leadership page: planted in rows the loader quarantines.
SECRET_ID = "LEAKCHECK-REQ-7731"
OVERDUE_ID = "LEAKCHECK-OVERDUE-5521"  # a valid open request, overdue on 31 Oct
MARKUP = "<img src=x onerror=\"document.title='pwned'\">"
SCRIPT = "<script>alert(1)</script> STOP"  # a withdrawal nobody recorded
FORMULA = '=HYPERLINK("http://example.invalid/x","stop")'  # CSV-formula text, a withdrawal


def tiny_month_export(where: Path) -> Path:
    """A small export for 2026-10 with one quarantined request carrying markup, and an
    authorizations log (every domain records its figures): one disclosure cites an
    authorization not on file."""
    return write_export(
        full_export(
            authorizations=rows("authorizations"),
            disclosures=rows(
                "disclosures",
                {},
                {
                    "disclosure_id": "D2",
                    "purpose": "marketing",
                    "recipient_type": "marketing_partner",
                    "recipient_name": "Glow Promotions LLC",
                    "data_categories": "contact",
                    "authorization_id": "A9",
                },
            ),
            requests=rows(
                "requests",
                {},
                {"request_id": SECRET_ID, "extension_reason": MARKUP, "outcome": None},
                {
                    "request_id": OVERDUE_ID,
                    "received_at": "2026-09-01 17:00:00+00",
                    "acknowledged_at": None,
                    "verified_at": None,
                    "closed_at": None,
                    "outcome": None,
                },
            ),
            messages=rows(
                "messages",
                {},
                {
                    "message_id": "M2",
                    "direction": "inbound",
                    "purpose": None,
                    "campaign_id": None,
                    "body": MARKUP,
                    "sent_at": "2026-10-31 23:00:00+00",
                },
                {
                    "message_id": "M3",
                    "direction": "inbound",
                    "purpose": None,
                    "campaign_id": None,
                    "body": SCRIPT,
                    "sent_at": "2026-10-20 18:00:00+00",
                },
                {
                    "message_id": "M4",
                    "direction": "inbound",
                    "purpose": None,
                    "campaign_id": None,
                    "body": FORMULA,
                    "sent_at": "2026-10-21 18:00:00+00",
                },
            ),
        ),
        "export_parquet",
        where,
    )
