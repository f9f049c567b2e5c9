"""A patient's accounting of disclosures (45 CFR 164.528), as a document to send.

Every accountable disclosure of the patient's information in the six years before the
as-of date (the date of the request), oldest first, each with its date, recipient name
and address if known, a description of what was disclosed and the purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

import analytics.documents as documents
from analytics.compute.queries import Queries
from analytics.domains import authorizations, disclosures
from analytics.errors import UsageError
from analytics.loading.context import ReportContext
from analytics.loading.coverage import day_gap
from analytics.registry import load_policy, open_for_date

# its .sql files (in this folder) read the disclosures domain's checked disclosures
QUERIES = Queries("analytics.documents", uses=(disclosures.QUERIES,))
ROWS = documents.Rows("disclosures", "disclosure_id", "disclosed_at", "disclosure record")
# the patient's authorizations that could not be read: a disclosure citing one would be
# listed as not validly authorized ("not in our records"), more than the records show
AUTHORIZATION_ROWS = documents.Rows(
    "authorizations", "authorization_id", "signed_at", "authorization record"
)
EVER = date(1800, 1, 1)  # an authorization signed any time before may cover the window

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


OUTSIDE_WORDS = {
    "purpose": "this purpose",
    "recipient": "this recipient",
    "information": "the information disclosed",
}
DEFECT_WORDS = {
    "no_purpose": "it named no purpose",
    "no_recipient": "it named no recipient",
    "no_information": "it named no information to disclose",
    "no_end_date": "it stated no end date",
    "remuneration_not_stated": "it allowed a sale without stating that we are paid for it",
    "over_one_year": "as a Washington authorization to sell, it ran longer than one year",
}


def why_listed(row: dict) -> str:
    """Why a disclosure that cited the patient's authorization is listed (it did not allow
    it), in the letter's words; empty for any other disclosure."""
    reason = row.get("authorization_reason")
    if not isinstance(reason, str):
        return ""
    words = {
        "unknown": "the authorization it cites is not in our records",
        "other_patient": "the authorization it cites was not signed by you",
        "before_signature": "it was made before the authorization was signed on "
        f"{row.get('authorization_signed')}",
        "revoked": f"you had revoked the authorization on {row.get('authorization_revoked')}",
        "expired": f"the authorization had expired on {row.get('authorization_expires')}",
        "out_of_scope": "the authorization did not cover "
        + OUTSIDE_WORDS.get(str(row.get("authorization_outside")), "this disclosure"),
        "defective": "the authorization was not valid: "
        + DEFECT_WORDS.get(str(row.get("authorization_defect")), "it was incomplete"),
    }
    return f"Listed although it cited your authorization: {words[reason]}."


class AccountingError(UsageError):
    """An accounting that cannot be made: the message says why."""


class IncompleteAccounting(documents.IncompleteDocument):
    """Some of the patient's disclosures in the window were quarantined: a letter would
    leave them out without saying so."""


@dataclass
class Accounting:
    """The disclosures an accounting lists, the window it covers, and what the disclosure
    log can show of that window."""

    patient_id: str
    as_of: date
    first_day: date  # the first day of the look-back window
    disclosures: pd.DataFrame
    records_begin: date  # the first local date of the disclosure log
    # quarantined rows that may be this patient's disclosures in the window
    under_review: pd.DataFrame = field(default_factory=pd.DataFrame)
    # quarantined authorizations of the patient signed by the as-of date (or undated)
    authorizations_under_review: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def shown_from(self) -> date:
        """The first day the accounting can speak for: the window's, or the log's if later."""
        return max(self.first_day, self.records_begin)

    @property
    def window_before_records(self) -> bool:
        """Whether the look-back window starts before the disclosure log does."""
        return self.first_day < self.records_begin

    def require_complete(self, allow_incomplete: bool = False) -> None:
        """Refuse a letter that would leave quarantined disclosures out, listing the rows
        for the officer to correct; ``allow_incomplete`` lets the letter say some records
        are under review instead."""
        whose = f"of patient {self.patient_id} in {self.first_day} to {self.as_of}"
        documents.refuse_incomplete(
            self.under_review,
            ROWS,
            whose,
            allow_incomplete,
            lambda text: IncompleteAccounting(f"no letter written: {text}"),
        )
        documents.refuse_incomplete(
            self.authorizations_under_review,
            AUTHORIZATION_ROWS,
            f"of patient {self.patient_id} signed by {self.as_of}",
            allow_incomplete,
            lambda text: IncompleteAccounting(f"no letter written: {text}"),
        )


def window_start(as_of: date, years: int) -> date:
    """The first day of the look-back: the same day ``years`` earlier (29 Feb -> 28 Feb)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)


def patient_known(ctx: ReportContext, patient_id: str) -> bool:
    """Whether any table of the export mentions this patient (looked up literally)."""
    (known,) = QUERIES.one(ctx, "patient_known", {"patient": patient_id})
    return bool(known)


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
    records_begin = _check_covered(ctx, as_of)
    first = window_start(as_of, disclosures.DOMAIN.policy(ctx).accounting_lookback_years)
    frame = QUERIES.run(ctx, "accounting", {"patient": patient_id, "first": first, "as_of": as_of})
    frame["purpose"] = [PURPOSE_WORDS.get(p, p.replace("_", " ")) for p in frame["purpose"]]
    frame["why"] = [why_listed(r) for r in frame.to_dict("records")]
    review = documents.under_review(ctx, ROWS, first, as_of, patient=patient_id)
    signed = (
        documents.under_review(ctx, AUTHORIZATION_ROWS, EVER, as_of, patient=patient_id)
        if authorizations.DOMAIN.has_log(ctx)
        else pd.DataFrame()
    )
    return Accounting(patient_id, as_of, first, frame, records_begin, review, signed)


def _check_covered(ctx: ReportContext, as_of: date) -> date:
    """Refuse an as-of date the export cannot speak for: before its disclosure log begins,
    or after the last day it covers (``analytics.loading.coverage``: the day it was extracted, or
    the day its continuous logs all reach). Return the first local date of the
    disclosure log."""
    begin, _ = QUERIES.one(ctx, "disclosure_log_span")
    if begin is None:
        raise AccountingError(
            "the export holds no disclosure records: an accounting made from it would "
            "claim there were none"
        )
    through = ctx.coverage.through
    if as_of < begin:
        raise AccountingError(
            f"as-of date {as_of} is before the export's disclosure records begin ({begin}): "
            "an accounting from it would show nothing; choose a date from "
            f"{begin}" + (f" to {through}" if through and through >= begin else "")
        )
    gap = day_gap(ctx.export, ctx.timezone, as_of)
    if gap:
        raise AccountingError(
            f"no accounting written, it would claim days the export does not hold: as-of date {gap}"
        )
    return begin


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


def render(ctx: ReportContext, acc: Accounting, generated_at: datetime | None = None) -> str:
    """The accounting as a self-contained HTML document (no scripts, values escaped)."""
    generated_at = generated_at or datetime.now(UTC)
    return documents.template("accounting.html.j2").render(
        clinic=ctx.policy.clinic.name,
        clinic_address=ctx.policy.clinic.address,
        patient_id=acc.patient_id,
        as_of=acc.as_of.isoformat(),
        first_day=acc.first_day.isoformat(),
        shown_from=acc.shown_from.isoformat(),
        records_begin=acc.records_begin.isoformat(),
        window_before_records=acc.window_before_records,
        under_review=len(acc.under_review),
        authorizations_under_review=len(acc.authorizations_under_review),
        rows=acc.disclosures.to_dict("records"),
        # with the authorizations log, only a valid authorization leaves a disclosure out
        authorizations_checked=authorizations.DOMAIN.has_log(ctx),
        any_why=bool(acc.disclosures["why"].astype(bool).any()) if len(acc.disclosures) else False,
        generated=generated_at.strftime("%Y-%m-%d"),
    )


def make(
    source: str | Path | None,
    policy: str | Path | None,
    patient_id: str,
    as_of: str | None,
    allow_incomplete: bool = False,
) -> documents.Document:
    """A patient's accounting as of a request date (today when none): the one builder of
    the command and the notebook, with every refusal."""
    request_date = parse_as_of(as_of, load_policy(policy).timezone)
    ctx = open_for_date(source, policy, request_date)
    try:
        acc = accounting(ctx, patient_id, request_date)
        acc.require_complete(allow_incomplete)
        page = render(ctx, acc)
    finally:
        ctx.export.close()
    n = len(acc.disclosures)
    notes, warnings = [], []
    if acc.window_before_records:
        notes.append(
            f"the six years begin on {acc.first_day}, the disclosure records on "
            f"{acc.records_begin}; the letter says it cannot show the years before"
        )
    if not acc.authorizations_under_review.empty:
        warnings.append(
            f"{len(acc.authorizations_under_review)} quarantined authorization record(s) of "
            "the patient could not be checked; the letter says some records are under review"
        )
    if not acc.under_review.empty:
        warnings.append(
            f"{len(acc.under_review)} quarantined disclosure record(s) left out; "
            "the letter says some records are under review"
        )
    return documents.Document(
        page,
        default_output(Path("."), acc.patient_id, request_date),
        f"{n} accountable disclosure{'s' if n != 1 else ''} from {acc.shown_from} to {acc.as_of}",
        notes,
        warnings,
    )
