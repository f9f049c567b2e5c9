"""The compliance export's data contract (v2: v1 plus optional logs), declared once.

Every table, column, type, required flag and allowed code of
``shared/spec/data-contract.md`` lives here. The loader validates against it and the
README's contract section is generated from it, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTRACT_VERSION = "2"

CHANNELS = ("sms", "email", "phone", "mail")


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    ``type`` is the DuckDB type the loader casts to. ``codes`` lists the allowed values
    of a coded column (matched after trimming and lower-casing). ``code_list`` marks a
    comma-separated list of codes (``disclosures.data_categories``); ``skip_empty``, a
    list whose empty elements are ignored (an authorization's: ``"marketing, ,sale"`` is
    two codes, ``" , "`` none, read as NULL) where v1's lists quarantine them.
    """

    name: str
    type: str
    required: bool = True
    codes: tuple[str, ...] = ()
    code_list: bool = False
    meaning: str = ""
    skip_empty: bool = False


@dataclass(frozen=True)
class Table:
    """One contract table: its columns, id column and row-level rules."""

    name: str
    columns: tuple[Column, ...]
    id_column: str
    optional: bool = False
    meaning: str = ""
    # (later_column, earlier_column): the later one may not precede the earlier one.
    order_rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # (date_column, timestamp_column): the date may not precede the timestamp's local
    # date in the clinic's time zone (an authorization's end date and its signature)
    local_order_rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # The timestamp that places a row in a month (None: the table is not dated).
    time_column: str | None = None
    # A log of the clinic's daily activity (texts, consent changes, disclosures, record
    # access, visits): its last row shows how far the export reaches, so an export that
    # does not say when it was extracted covers a month only when every such log reaches
    # the month's last day (``analytics.loading.coverage``). Sparse logs (requests, incidents,
    # complaints) can go weeks without a row: they never prove or shorten coverage.
    continuous: bool = False
    # The contract version that added it: an absent table of v2 or later is a log the
    # export does not have (its figures are omitted, never zero), not a data problem.
    added_in: int = 1
    # Table-specific rules, as SQL over the typed columns, one list per contract reason:
    # a row breaking one takes that reason (in the contract's order of reasons).
    rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # integer columns that may not be negative (a negative count is a bad value)
    non_negative: tuple[str, ...] = ()
    # An optional table read as empty when absent, and what that means for the figures
    # (``patients``: every patient in the clinic's time zone). Without it, an absent table
    # of v2 or later is a log the export does not have.
    when_absent: str = ""

    @property
    def is_log(self) -> bool:
        """A v2 log: optional, and when absent its domain reports "no log", not zero."""
        return self.added_in > 1 and not self.when_absent

    @property
    def absent_note(self) -> str:
        """What this table, when the export lacks it, is read as (in words)."""
        if self.is_log:
            return "an optional log: its figures are not measured"
        return "optional: " + (self.when_absent or "read as empty")

    def rules_for(self, reason: str) -> list[str]:
        """Its own SQL conditions for one quarantine reason."""
        return [sql for r, sql in self.rules if r == reason]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, type_: str, required: bool = True, **kw) -> Column:
    return Column(name, type_, required, **kw)


TS = "TIMESTAMPTZ"

CONSENT_EVENTS = Table(
    "consent_events",
    (
        _c("event_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR", meaning="whose consent"),
        _c("channel", "VARCHAR", codes=CHANNELS),
        _c(
            "purpose",
            "VARCHAR",
            codes=("marketing", "service", "all"),
            meaning="`all` covers marketing and service",
        ),
        _c("action", "VARCHAR", codes=("opt_in", "opt_out")),
        _c(
            "method",
            "VARCHAR",
            codes=("sms_keyword", "web_form", "in_person", "phone_call", "email_link", "written"),
        ),
        _c("occurred_at", TS, meaning="when the patient gave or withdrew consent"),
        _c(
            "processed_at",
            TS,
            False,
            meaning="when the messaging system started honouring it; NULL: not yet",
        ),
        _c(
            "source_message_id",
            "VARCHAR",
            False,
            meaning="the inbound message that caused it, for keyword events",
        ),
    ),
    id_column="event_id",
    meaning="recorded consent changes",
    time_column="occurred_at",
    continuous=True,
    order_rules=(("processed_at", "occurred_at"),),
)

MESSAGES = Table(
    "messages",
    (
        _c("message_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR", meaning="the other party"),
        _c("channel", "VARCHAR", codes=CHANNELS),
        _c("direction", "VARCHAR", codes=("outbound", "inbound")),
        _c(
            "purpose",
            "VARCHAR",
            False,
            codes=("marketing", "service", "optout_confirmation", "help_reply"),
            meaning="outbound only; required for outbound messages",
        ),
        _c("body", "VARCHAR", False, meaning="inbound text as received; NULL for outbound"),
        _c("campaign_id", "VARCHAR", False, meaning="outbound marketing campaign"),
        _c("sent_at", TS, meaning="when sent or received"),
    ),
    id_column="message_id",
    meaning="every text, e-mail and call, both directions",
    time_column="sent_at",
    continuous=True,
    rules=(("missing_required", "(direction = 'outbound' AND purpose IS NULL)"),),
)

REQUEST_TYPES = (
    "access",
    "amend",
    "accounting",
    "restriction",
    "confidential_comms",
    "know",
    "delete",
    "correct",
    "opt_out_sale_share",
    "limit_sensitive",
    "marketing_opt_out",
)

# Which request types each regime has (marketing_opt_out belongs to either).
REQUEST_TYPES_BY_REGIME: dict[str, tuple[str, ...]] = {
    "hipaa": (
        "access",
        "amend",
        "accounting",
        "restriction",
        "confidential_comms",
        "marketing_opt_out",
    ),
    "ccpa": (
        "know",
        "delete",
        "correct",
        "opt_out_sale_share",
        "limit_sensitive",
        "marketing_opt_out",
    ),
}


def _regime_types_rule() -> str:
    """A request type its regime does not have is an unknown code."""
    pairs = " OR ".join(
        f"(regime = '{regime}' AND request_type IN ({', '.join(repr(t) for t in types)}))"
        for regime, types in REQUEST_TYPES_BY_REGIME.items()
    )
    return f"NOT ({pairs})"


REQUESTS = Table(
    "requests",
    (
        _c("request_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR", False, meaning="NULL while the requester is not matched"),
        _c("regime", "VARCHAR", codes=("hipaa", "ccpa")),
        _c("request_type", "VARCHAR", codes=REQUEST_TYPES),
        _c("channel", "VARCHAR", codes=("web", "email", "phone", "mail", "in_person")),
        _c("received_at", TS, meaning="when the clinic received it; the clock starts here"),
        _c("acknowledged_at", TS, False, meaning="when receipt was confirmed"),
        _c("verified_at", TS, False, meaning="when identity was verified"),
        _c("extended_at", TS, False, meaning="when the requester was told of an extension"),
        _c("extension_reason", "VARCHAR", False),
        _c("closed_at", TS, False, meaning="when the substantive response was sent; NULL: open"),
        _c(
            "outcome",
            "VARCHAR",
            False,
            codes=("fulfilled", "partial", "denied", "withdrawn"),
            meaning="NULL while open",
        ),
        _c(
            "denial_reason",
            "VARCHAR",
            False,
            codes=("unverified", "not_found", "exempt_phi", "retention_required", "other"),
        ),
    ),
    id_column="request_id",
    meaning="privacy-rights requests under HIPAA and CCPA/CPRA",
    time_column="received_at",
    order_rules=(
        ("closed_at", "received_at"),
        ("acknowledged_at", "received_at"),
        ("verified_at", "received_at"),
        ("extended_at", "received_at"),
    ),
    rules=(
        ("unknown_code", _regime_types_rule()),
        ("inconsistent_state", "(closed_at IS NULL) <> (outcome IS NULL)"),
    ),
)

DISCLOSURES = Table(
    "disclosures",
    (
        _c("disclosure_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR", meaning="whose information"),
        _c("disclosed_at", TS),
        _c("recipient_name", "VARCHAR"),
        _c("recipient_address", "VARCHAR", False),
        _c(
            "recipient_type",
            "VARCHAR",
            codes=(
                "healthcare_provider",
                "health_plan",
                "business_associate",
                "government",
                "court",
                "law_enforcement",
                "researcher",
                "marketing_partner",
                "patient",
                "other",
            ),
        ),
        _c(
            "purpose",
            "VARCHAR",
            codes=(
                "treatment",
                "payment",
                "operations",
                "required_by_law",
                "public_health",
                "health_oversight",
                "judicial",
                "law_enforcement",
                "research",
                "marketing",
                "sale",
                "limited_data_set",
                "national_security",
                "correctional",
                "facility_directory",
                "incidental",
                "other",
            ),
        ),
        _c(
            "data_categories",
            "VARCHAR",
            codes=("phi", "contact", "sms_phone", "payment", "demographic"),
            code_list=True,
            meaning="comma-separated list of categories",
        ),
        _c("description", "VARCHAR", meaning="what was disclosed, as in an accounting"),
        _c("authorization_id", "VARCHAR", False, meaning="the patient's signed authorization"),
        _c("vendor_id", "VARCHAR", False, meaning="vendors.vendor_id for business associates"),
    ),
    id_column="disclosure_id",
    meaning="PHI or personal information given to anyone outside the clinic",
    time_column="disclosed_at",
    continuous=True,
)

VENDORS = Table(
    "vendors",
    (
        _c("vendor_id", "VARCHAR", meaning="unique id"),
        _c("name", "VARCHAR"),
        _c("baa_signed_on", "DATE", False, meaning="BAA in effect from this date; NULL: none"),
        _c("baa_ended_on", "DATE", False, meaning="BAA no longer in effect from this date"),
    ),
    id_column="vendor_id",
    optional=True,
    meaning="business associates (optional table)",
)

RECORDS = Table(
    "records",
    (
        _c("record_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR"),
        _c(
            "record_class",
            "VARCHAR",
            codes=("medical", "billing", "consent_proof", "request_log", "marketing_profile"),
        ),
        _c("created_at", TS),
        _c("last_activity_at", TS, meaning="retention counts from here"),
        _c("birth_date", "DATE", False, meaning="patient's birth date (minors' rule)"),
        _c("legal_hold", "BOOLEAN", meaning="never due for disposal while true"),
        _c("disposed_at", TS, False, meaning="when securely destroyed; NULL: still held"),
    ),
    id_column="record_id",
    meaning="record inventory, for retention",
    time_column="created_at",
    order_rules=(("disposed_at", "created_at"),),
)

INCIDENT_NOTICE_COLUMNS = (
    "individuals_notified_at",
    "hhs_notified_at",
    "media_notified_at",
    "ag_notified_at",
    "cdph_notified_at",
)

INCIDENTS = Table(
    "incidents",
    (
        _c("incident_id", "VARCHAR", meaning="unique id"),
        _c(
            "discovered_at",
            TS,
            meaning="when the clinic knew of it, or by reasonable diligence would have known "
            "(45 CFR 164.404(a)(2)); every clock starts here",
        ),
        _c("occurred_at", TS, False, meaning="when it happened, if known"),
        _c(
            "category",
            "VARCHAR",
            codes=(
                "lost_device",
                "theft",
                "misdirected",
                "unauthorized_access",
                "hacking",
                "improper_disposal",
                "other",
            ),
        ),
        _c(
            "location",
            "VARCHAR",
            False,
            codes=(
                "paper",
                "email",
                "ehr",
                "laptop",
                "portable_device",
                "network_server",
                "other",
            ),
            meaning="where the information was (the HHS portal's location of breached information)",
        ),
        _c("description", "VARCHAR", meaning="what happened, as it would appear in the HHS log"),
        _c(
            "computerized",
            "BOOLEAN",
            False,
            meaning="the information was computerized data (Cal. Civ. Code 1798.82); "
            "NULL counts as true",
        ),
        _c(
            "assessed_at",
            TS,
            False,
            meaning="when the four-factor risk assessment (164.402(2)) was completed; "
            "NULL: not yet",
        ),
        _c(
            "determination",
            "VARCHAR",
            False,
            codes=("breach", "low_probability", "exception", "not_phi"),
            meaning="the assessment's finding; NULL until assessed",
        ),
        _c("individuals_affected", "INTEGER", False, meaning="how many people's information"),
        _c("ca_residents_affected", "INTEGER", False, meaning="of whom California residents"),
        _c(
            "largest_state_residents",
            "INTEGER",
            False,
            meaning="the most residents of any one state or jurisdiction",
        ),
        _c(
            "law_enforcement_hold_until",
            "DATE",
            False,
            meaning="law enforcement asked to delay notice until this date (164.412; 1798.82(c))",
        ),
        _c(
            "individuals_notified_at",
            TS,
            False,
            meaning="when notice to the affected individuals was completed",
        ),
        _c("hhs_notified_at", TS, False, meaning="when the breach was reported to HHS"),
        _c("media_notified_at", TS, False, meaning="when prominent media outlets were notified"),
        _c(
            "ag_notified_at",
            TS,
            False,
            meaning="when the sample notice went to the California Attorney General",
        ),
        _c(
            "cdph_notified_at",
            TS,
            False,
            meaning="when reported to the California Department of Public Health (H&S 1280.15)",
        ),
    ),
    id_column="incident_id",
    optional=True,
    added_in=2,
    meaning="privacy and security incidents, and the breach notices they owed",
    time_column="discovered_at",
    order_rules=(
        ("assessed_at", "discovered_at"),
        *((column, "discovered_at") for column in INCIDENT_NOTICE_COLUMNS),
    ),
    rules=(("inconsistent_state", "(determination IS NULL) <> (assessed_at IS NULL)"),),
    non_negative=("individuals_affected", "ca_residents_affected", "largest_state_residents"),
)

RESTRICTIONS = Table(
    "restrictions",
    (
        _c("restriction_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR", meaning="whose information"),
        _c("requested_at", TS, meaning="when the patient asked"),
        _c("decision", "VARCHAR", False, codes=("agreed", "denied"), meaning="NULL: undecided"),
        _c("decided_at", TS, False, meaning="when the decision was made and told to the patient"),
        _c(
            "recipient_type",
            "VARCHAR",
            False,
            codes=DISCLOSURES.column("recipient_type").codes,
            meaning="covers disclosures to this recipient type; NULL: any recipient",
        ),
        _c(
            "purpose",
            "VARCHAR",
            False,
            codes=DISCLOSURES.column("purpose").codes,
            meaning="covers disclosures for this purpose; NULL: any purpose",
        ),
        _c(
            "self_pay",
            "BOOLEAN",
            meaning="keep care paid in full out of pocket from a health plan: must be agreed "
            "(164.522(a)(1)(vi))",
        ),
        _c("ended_at", TS, False, meaning="when the restriction stopped applying"),
    ),
    id_column="restriction_id",
    optional=True,
    added_in=2,
    meaning="agreed limits on disclosures (notice 4C; 45 CFR 164.522(a))",
    time_column="requested_at",
    order_rules=(("decided_at", "requested_at"), ("ended_at", "decided_at")),
    rules=(("inconsistent_state", "(decision IS NULL) <> (decided_at IS NULL)"),),
)

COMMUNICATION_PREFERENCES = Table(
    "communication_preferences",
    (
        _c("preference_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR"),
        _c("channel", "VARCHAR", codes=CHANNELS),
        _c(
            "rule",
            "VARCHAR",
            codes=("avoid", "only"),
            meaning="`avoid`: never on this channel; `only`: on this channel only",
        ),
        _c("effective_at", TS, meaning="from when"),
        _c("ended_at", TS, False, meaning="until when (exclusive)"),
    ),
    id_column="preference_id",
    optional=True,
    added_in=2,
    meaning="confidential communications (notice 4D; 45 CFR 164.522(b))",
    time_column="effective_at",
    order_rules=(("ended_at", "effective_at"),),
)

COMPLAINTS = Table(
    "complaints",
    (
        _c("complaint_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR", False, meaning="NULL when the complainant is not matched"),
        _c("received_at", TS),
        _c("channel", "VARCHAR", codes=("web", "email", "phone", "mail", "in_person")),
        _c(
            "topic",
            "VARCHAR",
            codes=("access", "marketing", "sms", "disclosure", "security", "other"),
        ),
        _c(
            "regulator",
            "VARCHAR",
            False,
            codes=("hhs_ocr", "ca_ag", "medical_board", "other"),
            meaning="came through or was also filed with a regulator",
        ),
        _c("resolved_at", TS, False, meaning="when the clinic's response was sent; NULL: open"),
        _c("outcome", "VARCHAR", False, codes=("upheld", "not_upheld", "withdrawn")),
    ),
    id_column="complaint_id",
    optional=True,
    added_in=2,
    meaning="privacy complaints (notice 4H and 10; 45 CFR 164.530(d))",
    time_column="received_at",
    order_rules=(("resolved_at", "received_at"),),
    rules=(("inconsistent_state", "(outcome IS NULL) <> (resolved_at IS NULL)"),),
)

NOTICE_ACKNOWLEDGMENTS = Table(
    "notice_acknowledgments",
    (
        _c("acknowledgment_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR"),
        _c("notice_version", "VARCHAR", meaning="which version of the notice"),
        _c("recorded_at", TS),
        _c(
            "status",
            "VARCHAR",
            codes=("signed", "refused", "not_obtained"),
            meaning="`refused`, `not_obtained`: the good-faith effort is documented",
        ),
    ),
    id_column="acknowledgment_id",
    optional=True,
    added_in=2,
    meaning="the notice's acknowledgment of receipt (45 CFR 164.520(c)(2)(ii))",
    time_column="recorded_at",
)

ROLES = ("clinician", "front_desk", "billing", "marketing", "admin", "it", "contractor")

WORKFORCE = Table(
    "workforce",
    (
        _c("member_id", "VARCHAR", meaning="unique id (the EHR user)"),
        _c("role", "VARCHAR", codes=ROLES),
        _c("hired_on", "DATE", meaning="first day of access"),
        _c("terminated_on", "DATE", False, meaning="first day without access"),
        _c("patient_id", "VARCHAR", False, meaning="the member's own patient id, if a patient"),
    ),
    id_column="member_id",
    optional=True,
    added_in=2,
    meaning="everyone who can reach PHI",
    order_rules=(("terminated_on", "hired_on"),),
)

TRAINING = Table(
    "training",
    (
        _c("training_id", "VARCHAR", meaning="unique id"),
        _c("member_id", "VARCHAR"),
        _c("course", "VARCHAR", meaning="free text; the policy lists the required courses"),
        _c("completed_on", "DATE"),
    ),
    id_column="training_id",
    optional=True,
    added_in=2,
    meaning="completed courses",
)

ACCESS_LOG = Table(
    "access_log",
    (
        _c("access_id", "VARCHAR", meaning="unique id"),
        _c("member_id", "VARCHAR", meaning="who (an id not in workforce is itself an alert)"),
        _c("patient_id", "VARCHAR", meaning="whose record"),
        _c("accessed_at", TS),
        _c("action", "VARCHAR", codes=("view", "edit", "print", "export", "delete")),
    ),
    id_column="access_id",
    optional=True,
    added_in=2,
    meaning="the EHR's audit trail of record access",
    time_column="accessed_at",
    continuous=True,
)

ENCOUNTERS = Table(
    "encounters",
    (
        _c("encounter_id", "VARCHAR", meaning="unique id"),
        _c("patient_id", "VARCHAR"),
        _c("started_at", TS),
    ),
    id_column="encounter_id",
    optional=True,
    added_in=2,
    meaning="visits, for the treatment-relationship rule",
    time_column="started_at",
    continuous=True,
)

AUTHORIZATIONS = Table(
    "authorizations",
    (
        _c("authorization_id", "VARCHAR", meaning="unique id; `disclosures.authorization_id`"),
        _c("patient_id", "VARCHAR", meaning="who signed it"),
        _c("signed_at", TS, meaning="when the patient signed"),
        _c(
            "regime",
            "VARCHAR",
            codes=("hipaa", "mhmda"),
            meaning="`hipaa`: HIPAA 164.508 / CMIA Civ. Code 56.11; `mhmda`: Washington's "
            "authorization to sell consumer health data (RCW 19.373.070)",
        ),
        _c(
            "purposes",
            "VARCHAR",
            False,
            codes=DISCLOSURES.column("purpose").codes,
            code_list=True,
            skip_empty=True,
            meaning="comma-separated purposes of `disclosures.purpose` it allows",
        ),
        _c(
            "recipient_type",
            "VARCHAR",
            False,
            codes=DISCLOSURES.column("recipient_type").codes,
            meaning="the recipient type it allows; NULL: not stated",
        ),
        _c("recipient_name", "VARCHAR", False, meaning="the named recipient; NULL: not stated"),
        _c(
            "data_categories",
            "VARCHAR",
            False,
            codes=DISCLOSURES.column("data_categories").codes,
            code_list=True,
            skip_empty=True,
            meaning="comma-separated categories of `disclosures.data_categories` it allows",
        ),
        _c(
            "expires_on",
            "DATE",
            False,
            meaning="the last day it allows a disclosure (Civ. Code 56.11(h)); NULL: none stated",
        ),
        _c(
            "states_remuneration",
            "BOOLEAN",
            meaning="the form states that the clinic is paid for the disclosure (164.508(a)(4))",
        ),
        _c(
            "revoked_at",
            TS,
            False,
            meaning="when the written revocation was received (164.508(b)(5); Civ. Code 56.15)",
        ),
    ),
    id_column="authorization_id",
    optional=True,
    added_in=2,
    meaning="the patients' authorizations behind disclosures (HIPAA 164.508, CMIA 56.11, "
    "Washington MHMDA)",
    time_column="signed_at",
    order_rules=(("revoked_at", "signed_at"),),
    local_order_rules=(("expires_on", "signed_at"),),
)

# A time-zone name the export gives (trimmed) that is not one of the IANA zones DuckDB
# knows, ignoring case, is an unknown code.
_UNKNOWN_ZONE = (
    "time_zone IS NOT NULL AND lower(time_zone) NOT IN "
    "(SELECT lower(name) FROM pg_timezone_names())"
)

PATIENTS = Table(
    "patients",
    (
        _c("patient_id", "VARCHAR", meaning="unique id"),
        _c("state", "VARCHAR", False, meaning="two-letter US state of the patient's address"),
        _c(
            "time_zone",
            "VARCHAR",
            False,
            meaning="IANA zone of the patient's phone or address (America/New_York); "
            "an unknown zone name is `unknown_code`",
        ),
    ),
    id_column="patient_id",
    optional=True,
    added_in=2,
    meaning="where a patient is, for the local-time rules of marketing texts and calls",
    rules=(("unknown_code", _UNKNOWN_ZONE),),
    when_absent="every patient is in the clinic's time zone, with no state",
)

TABLES: tuple[Table, ...] = (
    CONSENT_EVENTS,
    MESSAGES,
    REQUESTS,
    DISCLOSURES,
    VENDORS,
    RECORDS,
    INCIDENTS,
    RESTRICTIONS,
    COMMUNICATION_PREFERENCES,
    COMPLAINTS,
    NOTICE_ACKNOWLEDGMENTS,
    WORKFORCE,
    TRAINING,
    ACCESS_LOG,
    ENCOUNTERS,
    PATIENTS,
    AUTHORIZATIONS,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Quarantine reasons in the contract's order of precedence: a row takes the first.
QUARANTINE_REASONS: tuple[str, ...] = (
    "bad_value",
    "missing_required",
    "unknown_code",
    "bad_order",
    "inconsistent_state",
    "duplicate_row",
    "conflicting_id",
)


def contract_markdown() -> str:
    """Render the contract as Markdown tables, for the README and the docs."""
    lines = [f"Data contract v{CONTRACT_VERSION} (generated from `analytics.contract`).", ""]
    for t in TABLES:
        optional = (
            " (optional log, v2)"
            if t.is_log
            else f" (optional, v2; absent: {t.when_absent})"
            if t.when_absent
            else " (optional)"
            if t.optional
            else ""
        )
        lines.append(f"### {t.name}{optional}: {t.meaning}")
        lines.append("| column | type | required | allowed codes | meaning |")
        lines.append("|---|---|---|---|---|")
        for c in t.columns:
            codes = ", ".join(f"`{x}`" for x in c.codes)
            if c.code_list:
                codes = "comma-separated: " + codes
            required = "yes" if c.required else "no"
            lines.append(f"| {c.name} | {c.type} | {required} | {codes} | {c.meaning} |")
        lines.append("")
    return "\n".join(lines)
