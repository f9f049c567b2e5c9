"""A patient's accounting of disclosures (45 CFR 164.528), as a document to send.

Every accountable disclosure of the patient's information in the six years before the
as-of date (the date of the request), oldest first, each with its date, recipient name
and address if known, a description of what was disclosed and the purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from analytics.domains.disclosures import checked_query, policy
from analytics.errors import UsageError
from analytics.loading.context import ReportContext
from analytics.loading.derived import query

PURPOSE_WORDS = {
    "required_by_law": "Required by law",
    "public_health": "Public health activities",
    "health_oversight": "Health oversight",
    "judicial": "Judicial or administrative proceeding",
    "law_enforcement": "Law enforcement",
    "research": "Research",
    "marketing": "Marketing",
    "sale": "Sale of protected health information",
    "other": "Other",
    "treatment": "Treatment",
    "payment": "Payment",
    "operations": "Health care operations",
}


class AccountingError(UsageError):
    """An accounting that cannot be made: the message says why."""


@dataclass
class Accounting:
    """The disclosures an accounting lists, and the window it covers."""

    patient_id: str
    as_of: date
    first_day: date
    disclosures: pd.DataFrame


def window_start(as_of: date, years: int) -> date:
    """The first day of the look-back: the same day ``years`` earlier (29 Feb -> 28 Feb)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)


def patient_known(ctx: ReportContext, patient_id: str) -> bool:
    """Whether any table of the export mentions this patient (looked up literally)."""
    found = query(ctx, "analytics.domains.disclosures", "patient_known", {"patient": patient_id})
    return bool(found["known"].iloc[0])


def accounting(ctx: ReportContext, patient_id: str, as_of: date) -> Accounting:
    """The accountable disclosures of one patient in the look-back window before ``as_of``."""
    patient_id = (patient_id or "").strip()
    if not patient_id:
        raise AccountingError("give a patient id")
    if not patient_known(ctx, patient_id):
        raise AccountingError(
            f"no patient {patient_id!r} in the export: check the id (ids are pseudonymous "
            "keys such as P000123, never names)"
        )
    first = window_start(as_of, policy(ctx).accounting_lookback_years)
    frame = checked_query(
        ctx, "accounting", {"patient": patient_id, "first": first, "as_of": as_of}
    )
    frame["purpose"] = [PURPOSE_WORDS.get(p, p.replace("_", " ")) for p in frame["purpose"]]
    return Accounting(patient_id, as_of, first, frame)


def parse_as_of(text: str | None, timezone: str) -> date:
    """A request date written YYYY-MM-DD; today's local date when empty."""
    if not text:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(timezone)).date()
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise AccountingError(f"as-of date {text!r} is not a date written YYYY-MM-DD") from None


def default_output(out_dir, patient_id: str, as_of: date):
    """A file name for the document that never carries characters a path cannot hold."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", patient_id)[:64]
    return out_dir / "accounting" / f"accounting-{safe}-{as_of.isoformat()}.html"
