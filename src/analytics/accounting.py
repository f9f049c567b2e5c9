"""A patient's accounting of disclosures (45 CFR 164.528), as a document to send.

Every accountable disclosure of the patient's information in the six years before the
as-of date (the date of the request), oldest first, each with its date, recipient name
and address if known, a description of what was disclosed and the purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import jinja2
import pandas as pd

from analytics.disclosures import ensure_disclosure_checks
from analytics.paths import template_dir

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


class AccountingError(ValueError):
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


def patient_known(ctx, patient_id: str) -> bool:
    """Whether any table of the export mentions this patient (looked up literally)."""
    return bool(
        ctx.export.con.execute(
            """
            SELECT EXISTS (SELECT 1 FROM disclosures WHERE patient_id = $p)
                OR EXISTS (SELECT 1 FROM records WHERE patient_id = $p)
                OR EXISTS (SELECT 1 FROM consent_events WHERE patient_id = $p)
                OR EXISTS (SELECT 1 FROM messages WHERE patient_id = $p)
                OR EXISTS (SELECT 1 FROM requests WHERE patient_id = $p)
            """,
            {"p": patient_id},
        ).fetchall()[0][0]
    )


def accounting(ctx, patient_id: str, as_of: date) -> Accounting:
    """The accountable disclosures of one patient in the look-back window before ``as_of``."""
    patient_id = (patient_id or "").strip()
    if not patient_id:
        raise AccountingError("give a patient id")
    if not patient_known(ctx, patient_id):
        raise AccountingError(
            f"no patient {patient_id!r} in the export: check the id (ids are pseudonymous "
            "keys such as P000123, never names)"
        )
    ensure_disclosure_checks(ctx)
    years = ctx.policy.data["disclosures"]["accounting_lookback_years"]
    first = window_start(as_of, years)
    frame = ctx.export.con.execute(
        """
        SELECT strftime(disclosed_date, '%Y-%m-%d') AS "date", recipient_name AS recipient,
            coalesce(recipient_address, 'not known') AS address, description, purpose,
            disclosure_id
        FROM disclosure_checks
        WHERE patient_id = $p AND accountable AND disclosed_date BETWEEN $first AND $as_of
        ORDER BY disclosed_at, disclosure_id
        """,
        {"p": patient_id, "first": first, "as_of": as_of},
    ).df()
    frame["purpose"] = [PURPOSE_WORDS.get(p, p.replace("_", " ")) for p in frame["purpose"]]
    return Accounting(patient_id, as_of, first, frame)


def render_accounting(ctx, acc: Accounting, generated_at: datetime | None = None) -> str:
    """The accounting as a self-contained HTML document (no scripts, values escaped)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    clinic = ctx.policy.data["clinic"]
    generated_at = generated_at or datetime.now(UTC)
    return env.get_template("accounting.html.j2").render(
        clinic=clinic["name"],
        clinic_address=clinic.get("address", ""),
        patient_id=acc.patient_id,
        as_of=acc.as_of.isoformat(),
        first_day=acc.first_day.isoformat(),
        rows=acc.disclosures.to_dict("records"),
        generated=generated_at.strftime("%Y-%m-%d"),
    )


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


def open_accounting_context(source, policy, as_of: date):
    """A report context for an accounting: the export, the policy, the as-of month."""
    from analytics.context import ReportContext, resolve_source
    from analytics.loader import open_export
    from analytics.period import Period
    from analytics.policy import load_policy

    pol = load_policy(policy)
    export = open_export(resolve_source(source))
    return ReportContext(export, pol, Period(as_of.year, as_of.month), "officer", datetime.now(UTC))
