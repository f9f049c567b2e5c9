"""Rights honoured: restrictions kept, communication preferences kept, complaints
answered, and the notice acknowledged (``shared/spec/domains/rights-honoured.md``).

v1 measures how fast a restriction or confidential-communications request is *answered*;
this domain measures whether the clinic then *kept* it, from its own logs, in DuckDB:
- a disclosure breaks a restriction in effect at its instant (a range join on the patient:
  agreed, decided at or before it, not ended by it, covering its recipient type and
  purpose), unless it goes to the patient or serves a purpose no restriction can stop;
- an outbound message breaks a preference in effect at its instant (`avoid` its channel,
  or `only` another), unless it answers the patient's own message;
- a complaint is due ``complaint_resolve_days`` after its local date of receipt;
- a new patient (first medical record in the period) should have an acknowledgment of the
  notice recorded by that date (+ grace days).

Each of the four logs is optional (contract v2): an absent log's metrics are omitted and its
section says the log is not in the export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.compute.declare import (
    Clock,
    Domain,
    Summary,
    WorkList,
    count_rows,
    monthly,
    value_rows,
)
from analytics.compute.memo import per_month, per_months
from analytics.compute.queries import Queries
from analytics.contract import DISCLOSURES, MESSAGES
from analytics.figures import MetricRow, Trend, month_of, rate, row, rules_table
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.policy import Target

NAME = "rights_honoured"
PURPOSES = DISCLOSURES.column("purpose").codes or ()
# what each family of figures reads (a table's empty tuple: every column); a broken
# table or column marks only the figures that read it
READS: dict[str, dict[str, tuple[str, ...]]] = {
    "restrictions": {"restrictions": (), "disclosures": ()},
    # a preference is kept or broken by a message's channel, patient and time, not its text
    "communications": {
        "communication_preferences": (),
        "messages": tuple(c for c in MESSAGES.column_names if c != "body"),
    },
    "complaints": {"complaints": ()},
    "notice": {
        "notice_acknowledgments": (),
        "records": ("patient_id", "created_at", "record_class"),
    },
}
# each part's metric prefix and the optional log it needs (absent: its metrics omitted)
LOGS: dict[str, tuple[str, ...]] = {
    "restrictions": ("restrictions",),
    "communications": ("communication_preferences",),
    "complaints": ("complaints",),
    "notice": ("notice_acknowledgments",),
}
# every metric this domain writes to metrics.json (shared/spec/domains/rights-honoured.md)
METRICS = (
    "restrictions.requested",
    "restrictions.agreed",
    "restrictions.denied",
    "restrictions.self_pay_denied",
    "restrictions.in_effect",
    "restrictions.disclosures_breaking",
    "communications.preferences_in_effect",
    "communications.messages_breaking",
    "complaints.received",
    "complaints.resolved",
    "complaints.resolved_on_time",
    "complaints.open_overdue",
    "complaints.median_days_to_resolve",
    "complaints.to_regulators",
    "notice.new_patients",
    "notice.acknowledged",
    "notice.ack_rate",
)


@dataclass(frozen=True)
class RightsHonouredPolicy:
    """The policy's ``[rights_honoured]`` section: what a restriction cannot stop, the
    complaint target, the acknowledgment's grace days, each with its source."""

    restriction_exempt_purposes: list[str] = field(metadata={"choices": PURPOSES})
    restriction_exempt_source: str = field()
    complaint_resolve_days: int = field()
    complaint_source: str = field()
    ack_grace_days: int = field()
    ack_source: str = field()
    targets: list[Target] = field(default_factory=list)


def _bindings(ctx: ReportContext) -> dict:
    p: RightsHonouredPolicy = DOMAIN.policy(ctx)
    return {
        "exempt": list(p.restriction_exempt_purposes),
        "resolve_days": p.complaint_resolve_days,
        "grace": p.ack_grace_days,
    }


QUERIES = Queries(
    __name__,
    derived=("disclosure_breaks", "message_breaks", "complaint_dates", "first_services"),
    bindings=_bindings,
)
# Per period: restrictions requested, agreed, denied, self-pay denied, in effect.
restrictions_frame = monthly(QUERIES, "restrictions_monthly")
# Per period and purpose (and 'all'): disclosures breaking a restriction.
disclosure_breaks_frame = monthly(
    QUERIES, "disclosure_breaks_monthly", grid=("disclosure_breaks", "purpose")
)
# Per period and channel (and 'all'): messages breaking a preference, and the
# preferences in effect.
message_breaks_frame = monthly(
    QUERIES, "message_breaks_monthly", grid=("message_breaks", "channel")
)
# Per period and topic (and 'all'): every complaint figure.
complaints_frame = monthly(QUERIES, "complaints_monthly", grid=("complaints", "topic"))
# Per period: new patients and those with an acknowledgment of the notice.
notice_frame = monthly(QUERIES, "notice_monthly")


# Each part gives every month of ``periods`` its metric rows, from one query per figure.


def _restriction_rows(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    requested = restrictions_frame(ctx, periods)
    breaks = disclosure_breaks_frame(ctx, periods)
    return {
        str(p): _restriction_month(month_of(requested, p), month_of(breaks, p)) for p in periods
    }


def _restriction_month(requested: pd.DataFrame, breaks: pd.DataFrame) -> list[MetricRow]:
    (r,) = requested.itertuples()
    out = [
        row(f"restrictions.{n}", int(getattr(r, n)))
        for n in ("requested", "agreed", "denied", "self_pay_denied", "in_effect")
    ]
    return out + [
        row("restrictions.disclosures_breaking", int(b.disclosures_breaking), b.segment)
        for b in breaks.itertuples()
    ]


def _communication_rows(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    frame = message_breaks_frame(ctx, periods)
    return {str(p): _communication_month(month_of(frame, p)) for p in periods}


def _communication_month(frame: pd.DataFrame) -> list[MetricRow]:
    in_effect = int(frame["preferences_in_effect"].iloc[0])
    return [row("communications.preferences_in_effect", in_effect)] + [
        row("communications.messages_breaking", int(m.messages_breaking), m.segment)
        for m in frame.itertuples()
    ]


def _complaint_rows(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    frame = complaints_frame(ctx, periods)
    return {str(p): _complaint_month(month_of(frame, p)) for p in periods}


def _complaint_month(frame: pd.DataFrame) -> list[MetricRow]:
    out = count_rows(
        frame, "complaints", ("received", "resolved", "resolved_on_time", "open_overdue")
    )
    out += value_rows(frame, "complaints.median_days_to_resolve", "median_days_to_resolve")
    pooled = frame[frame["segment"] == "all"]
    return out + [row("complaints.to_regulators", int(pooled["to_regulators"].iloc[0]))]


def _notice_rows(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    frame = notice_frame(ctx, periods)
    return {str(p): _notice_month(month_of(frame, p)) for p in periods}


def _notice_month(frame: pd.DataFrame) -> list[MetricRow]:
    (n,) = frame.itertuples()
    return [
        row("notice.new_patients", int(n.new_patients)),
        row("notice.acknowledged", int(n.acknowledged)),
        row("notice.ack_rate", rate(int(n.acknowledged), int(n.new_patients))),
    ]


PARTS = {
    "restrictions": _restriction_rows,
    "communications": _communication_rows,
    "complaints": _complaint_rows,
    "notice": _notice_rows,
}


@per_months
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every metric of the spec for each of ``periods``, for each log the export has."""
    parts = [part(ctx, periods) for prefix, part in PARTS.items() if DOMAIN.has_log(ctx, prefix)]
    return {str(p): [m for part in parts for m in part[str(p)]] for p in periods}


AGING_BUCKETS = (
    "not yet due",
    "1-30 days past due",
    "31-90 days past due",
    "over 90 days past due",
)


def complaints_aging(ctx: ReportContext) -> pd.DataFrame:
    """Complaints open at the end of the as-of date, by how long past their due date
    (every bucket shown, zero where none)."""
    frame = QUERIES.run(ctx, "complaints_aging")
    counts = dict(zip(frame["bucket"], frame["complaints"], strict=True))
    return pd.DataFrame(
        [{"open complaints": b, "count": int(counts.get(b, 0))} for b in AGING_BUCKETS]
    )


def _counted(n: int, one: str, many: str) -> str:
    """'1 disclosure broke', '3 disclosures broke'."""
    return f"{n} {one if n == 1 else many}"


def headline(ctx: ReportContext, rows: list[MetricRow]) -> str:
    """What needs action, in one sentence, for the logs the export has."""
    value = {r["metric"]: r["value"] for r in rows if r["segment"] == "all"}
    parts = []
    if DOMAIN.has_log(ctx, "restrictions"):
        n = value["restrictions.disclosures_breaking"]
        parts.append(
            _counted(n, "disclosure broke a restriction", "disclosures broke a restriction")
        )
        n = value["restrictions.self_pay_denied"]
        parts.append(
            _counted(n, "self-pay restriction was denied", "self-pay restrictions were denied")
        )
    if DOMAIN.has_log(ctx, "communications"):
        n = value["communications.messages_breaking"]
        parts.append(_counted(n, "message broke a preference", "messages broke a preference"))
    if DOMAIN.has_log(ctx, "complaints"):
        n = value["complaints.open_overdue"]
        parts.append(_counted(n, "complaint is open past due", "complaints are open past due"))
    if DOMAIN.has_log(ctx, "notice"):
        ack = value["notice.ack_rate"]
        parts.append(
            "no new patient this month"
            if ack is None
            else f"{ack:.0%} of new patients acknowledged the notice"
        )
    if not parts:
        return "None of the four logs of this page is in the export."
    return f"In {ctx.period}: " + "; ".join(parts) + "."


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The policy's rules as applied, each with its source."""
    p: RightsHonouredPolicy = DOMAIN.policy(ctx)
    exempt = ", ".join(x.replace("_", " ") for x in p.restriction_exempt_purposes)
    return rules_table(
        ("restriction", f"cannot stop disclosures for: {exempt}", p.restriction_exempt_source),
        (
            "complaint",
            f"resolved within {p.complaint_resolve_days} calendar days",
            p.complaint_source,
        ),
        (
            "notice acknowledgment",
            f"recorded by the first service (+{p.ack_grace_days} days)",
            p.ack_source,
        ),
    )


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Promises broken per month (disclosures against a restriction, messages against a
    preference), trailing twelve months; only for the logs the export has."""
    months = ctx.period.trailing(12)
    parts = []
    if DOMAIN.has_log(ctx, "restrictions"):
        f = disclosure_breaks_frame(ctx, months)
        f = f[f["segment"] == "all"].assign(segment="disclosures breaking a restriction")
        parts.append(f.rename(columns={"disclosures_breaking": "broken"}))
    if DOMAIN.has_log(ctx, "communications"):
        f = message_breaks_frame(ctx, months)
        f = f[f["segment"] == "all"].assign(segment="messages breaking a preference")
        parts.append(f.rename(columns={"messages_breaking": "broken"}))
    if not parts:
        return []
    frame = pd.concat([p[["period", "segment", "broken"]] for p in parts], ignore_index=True)
    title = f"Agreed restrictions and preferences broken per month, {months[0]} to {months[-1]}"
    return [Trend("count", frame, title, "disclosures or messages (count)", "broken")]


DOMAIN = Domain(
    name=NAME,
    title="Rights honoured",
    promise="Your rights",
    rule="45 CFR 164.522(a) (restrictions; self-pay must be agreed), 164.522(b) (confidential "
    "communications), 164.530(d) (complaints), 164.520(c)(2)(ii) (acknowledgment of the notice)",
    policy_section=RightsHonouredPolicy,
    tables=(
        "restrictions",
        "communication_preferences",
        "complaints",
        "notice_acknowledgments",
        "disclosures",
        "messages",
        "records",
    ),  # the export tables its figures read
    metric_names=METRICS,
    metrics=metrics,
    trends=trends,
    queries=QUERIES,
    logs=LOGS,
    reads=READS,
    clocks=(
        Clock(
            "complaints_due",
            "complaints.open_overdue",
            ("privacy complaint", "privacy complaints"),
            LOGS["complaints"],
        ),
    ),
    lists=(
        WorkList(
            "disclosures_broken_list",
            "Disclosures breaking a restriction, {period}",
            logs=LOGS["restrictions"],
        ),
        WorkList(
            "messages_broken_list",
            "Messages breaking a preference, {period}",
            logs=LOGS["communications"],
        ),
        WorkList(
            "complaints_overdue_list",
            "Complaints open past due on {as_of}",
            logs=LOGS["complaints"],
            standing=("complaint",),
        ),
        WorkList(
            "unacknowledged_list",
            "New patients without an acknowledgment, {period}",
            logs=LOGS["notice"],
        ),
    ),
    summaries={
        "restrictions": Summary(
            "Restrictions, {period}",
            "segment",
            {
                "restrictions.requested": "requested",
                "restrictions.agreed": "agreed",
                "restrictions.denied": "denied",
                "restrictions.self_pay_denied": "self-pay denied (each a violation)",
                "restrictions.in_effect": "in effect at month end",
                "restrictions.disclosures_breaking": "disclosures that broke one",
            },
            pooled=True,
        ),
        "notice": Summary(
            "New patients and the notice, {period}",
            "segment",
            {
                "notice.new_patients": "new patients (first service this month)",
                "notice.acknowledged": "with an acknowledgment",
                "notice.ack_rate": "rate",
            },
            formats={"notice.ack_rate": "rate"},
            pooled=True,
        ),
        "breaking": Summary(
            "Disclosures that broke a restriction, by purpose, {period}",
            "purpose",
            {"restrictions.disclosures_breaking": "disclosures that broke a restriction"},
        ),
        "communications": Summary(
            "Messages that broke a communication preference, by channel, {period}",
            "channel",
            {"communications.messages_breaking": "messages that broke a preference"},
        ),
        "complaints": Summary(
            "Complaints by topic, {period}",
            "topic",
            {
                "complaints.received": "received",
                "complaints.resolved": "resolved",
                "complaints.resolved_on_time": "resolved on time",
                "complaints.open_overdue": "open past due",
                "complaints.median_days_to_resolve": "median days to resolve",
            },
            formats={"complaints.median_days_to_resolve": "as_is"},
        ),
    },
)
