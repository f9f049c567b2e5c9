"""Consent and opt-out analytics: STOP, HELP, and marketing that should never have gone out.

All in DuckDB over the validated export:
- inbound SMS are classified by the policy's word lists (whole words, any case, anywhere;
  a withdrawal word wins over "help");
- each outbound marketing message is matched with an ``ASOF JOIN`` to the patient's latest
  marketing-or-all consent change on that channel at or before it was sent; consent
  changes at the same instant collapse into one, and an opt-out there wins;
- every query is a ``.sql`` file beside this module; metrics follow
  ``shared/spec/metrics.md``, segmented by channel with a pooled ``all``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from analytics.figures import MetricRow, Trend, row
from analytics.loading.context import ReportContext
from analytics.loading.derived import Derived, query
from analytics.period import Period
from analytics.policy import Target

NAME = "consent"
# the export tables its figures read: a tile of this domain is no better than they are
SOURCE_TABLES: tuple[str, ...] = ("consent_events", "messages")
# every metric this domain writes to metrics.json (names of shared/spec/metrics.md)
METRICS = (
    "consent.opt_ins",
    "consent.opt_outs",
    "consent.optouts_late",
    "consent.marketing_after_optout",
    "consent.marketing_without_consent",
    "consent.missed_keyword_optouts",
    "consent.help_requests",
    "consent.help_unanswered",
    "consent.extra_optout_confirmations",
    "consent.marketing_sent",
    "consent.optout_hours_median",
    "consent.optout_hours_p95",
    "consent.marketing_coverage_rate",
)


@dataclass(frozen=True)
class ConsentPolicy:
    """The policy's ``[consent]`` section: keyword lists and time limits, with sources."""

    withdrawal_words: list[str]
    withdrawal_source: str
    help_words: list[str]
    help_reply_minutes: int
    help_source: str
    optout_processing_hours: int
    optout_processing_source: str
    optout_confirmations_allowed: int
    optout_confirmation_source: str
    marketing_consent_source: str
    marketing_needs_opt_in: bool = True
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("withdrawal_words", "help_words"):
            words = getattr(self, name)
            if not words or not all(w.strip() for w in words):
                raise ValueError(f"{name} must be a list of words")


def policy(ctx: ReportContext) -> ConsentPolicy:
    return ctx.policy.section(NAME, ConsentPolicy)


def keyword_pattern(words: list[str]) -> str:
    """An RE2 pattern matching any of ``words`` as whole words in lower-case text.

    A phrase of several words ("opt out") matches with any run of spaces between them.
    """
    alternatives = sorted(
        (r"\s+".join(re.escape(part) for part in w.lower().split()) for w in words if w.strip()),
        key=len,
        reverse=True,
    )
    return r"\b(?:" + "|".join(alternatives) + r")\b"


def _month_bounds(ctx: ReportContext) -> dict:
    return {"tz": ctx.timezone, "first": ctx.period.first_day, "last": ctx.period.as_of}


def _keyword_patterns(ctx: ReportContext) -> dict:
    section = policy(ctx)
    return {
        "withdraw": keyword_pattern(section.withdrawal_words),
        "help": keyword_pattern(section.help_words),
    }


# Messages are checked for the report's month only (a health system sends tens of
# millions a year); the consent changes they are checked against are the whole history.
CONSENT_MONTH = Derived("consent_month", package=__name__, params=_month_bounds, per_period=True)
INBOUND_SMS = Derived(
    "inbound_sms", package=__name__, depends=(CONSENT_MONTH,), params=_keyword_patterns
)
MARKETING_STATE_CHANGES = Derived("marketing_state_changes", package=__name__)
MARKETING_CHECKED = Derived(
    "marketing_checked", package=__name__, depends=(MARKETING_STATE_CHANGES, CONSENT_MONTH)
)
HELP_CHECKED = Derived("help_checked", package=__name__, depends=(INBOUND_SMS, CONSENT_MONTH))
CONFIRMATIONS_CHECKED = Derived("confirmations_checked", package=__name__, depends=(CONSENT_MONTH,))
CONSENT_CHANNELS = Derived("consent_channels", package=__name__)
PATIENT_FIRST_SEEN = Derived("patient_first_seen", package=__name__)


def monthly_frame(ctx: ReportContext) -> pd.DataFrame:
    """Per channel (and 'all'): every consent figure of the context's month, in one query."""
    section = policy(ctx)
    return query(
        ctx,
        __name__,
        "consent_monthly",
        needs=(MARKETING_CHECKED, HELP_CHECKED, CONFIRMATIONS_CHECKED, CONSENT_CHANNELS),
        params={
            "period": str(ctx.period),
            "late_hours": section.optout_processing_hours,
            "help_minutes": section.help_reply_minutes,
            "allowed": section.optout_confirmations_allowed,
        },
    )


def changes_frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
    """Opt-ins and opt-outs per period and channel (and 'all'), in one pass."""
    return query(
        ctx,
        __name__,
        "consent_changes",
        needs=(CONSENT_CHANNELS,),
        months=periods,
        grid=("consent_channels", "channel"),
    )


SMS_ONLY = ("consent.missed_keyword_optouts", "consent.help_requests", "consent.help_unanswered")
COUNTS = (
    "opt_ins",
    "opt_outs",
    "optouts_late",
    "marketing_after_optout",
    "marketing_without_consent",
    "missed_keyword_optouts",
    "help_requests",
    "help_unanswered",
    "extra_optout_confirmations",
    "marketing_sent",
)


def metric_rows(frame: pd.DataFrame) -> list[MetricRow]:
    """Metric rows for one period's frame (SMS-only metrics: segments sms and all)."""
    out: list[MetricRow] = []
    for name in COUNTS:
        metric = f"consent.{name}"
        for r in frame.itertuples():
            if metric in SMS_ONLY and r.segment not in ("sms", "all"):
                continue
            out.append(row(metric, int(getattr(r, name)), r.segment))
    for name in ("optout_hours_median", "optout_hours_p95"):
        for r in frame.itertuples():
            value = getattr(r, name)
            out.append(row(f"consent.{name}", None if pd.isna(value) else float(value), r.segment))
    return out


def metrics(ctx: ReportContext) -> list[MetricRow]:
    """Every consent metric of metrics.md for the context's period, plus coverage."""
    rows = metric_rows(monthly_frame(ctx))
    cov = coverage_frame(ctx, [ctx.period])
    rows += [
        row("consent.marketing_coverage_rate", _none(r.coverage_rate), r.segment)
        for r in cov.itertuples()
    ]
    return rows


def _none(value):
    return None if value is None or pd.isna(value) else float(value)


def coverage_frame(ctx: ReportContext, periods: list[Period]) -> pd.DataFrame:
    """Share of known patients with a live marketing opt-in, per channel, at each month end.

    Known patients: those with any consent event or message before the month's end.
    """
    return query(
        ctx,
        __name__,
        "marketing_coverage",
        needs=(MARKETING_STATE_CHANGES, PATIENT_FIRST_SEEN),
        months=periods,
        grid=("marketing_state_changes", "channel"),
    )


def optout_hours(ctx: ReportContext) -> pd.DataFrame:
    """Hours from opt-out to processing, per opt-out occurring in the period (for a histogram)."""
    return query(ctx, __name__, "optout_hours", months=[ctx.period])


def forbidden_marketing(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: marketing sent in the period after an opt-out or without consent."""
    return query(
        ctx,
        __name__,
        "forbidden_marketing",
        needs=(MARKETING_CHECKED,),
        params={"tz": ctx.timezone},
        months=[ctx.period],
    )


def missed_keyword_optouts(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: inbound SMS that withdrew consent and no opt-out event names."""
    return query(
        ctx,
        __name__,
        "missed_keyword_optouts",
        needs=(INBOUND_SMS,),
        params={"tz": ctx.timezone},
        months=[ctx.period],
    )


def unanswered_help(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: HELP requests with no help reply within the policy's minutes."""
    return query(
        ctx,
        __name__,
        "unanswered_help",
        needs=(HELP_CHECKED,),
        params={"tz": ctx.timezone, "minutes": policy(ctx).help_reply_minutes},
        months=[ctx.period],
    )


def late_optouts(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: opt-outs in the period processed late or not at all."""
    return query(
        ctx,
        __name__,
        "late_optouts",
        params={"tz": ctx.timezone, "hours": policy(ctx).optout_processing_hours},
        months=[ctx.period],
    )


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The consent rules of the policy, with their sources, for the report's reader."""
    p = policy(ctx)
    return pd.DataFrame(
        [
            {
                "rule": "an SMS reply containing any of these words withdraws consent: "
                + ", ".join(p.withdrawal_words),
                "source": p.withdrawal_source,
            },
            {
                "rule": f"a reply with {', '.join(p.help_words)} (and no withdrawal word) "
                f"must get a help reply within {p.help_reply_minutes} minutes",
                "source": p.help_source,
            },
            {
                "rule": f"an opt-out must be processed within {p.optout_processing_hours} hours",
                "source": p.optout_processing_source,
            },
            {
                "rule": "marketing on a channel needs a prior opt-in on that channel; after an "
                f"opt-out, none, and at most {p.optout_confirmations_allowed} confirmation",
                "source": p.marketing_consent_source + "; " + p.optout_confirmation_source,
            },
        ]
    )


SUMMARY_COLUMNS = {
    "consent.opt_ins": "opt-ins",
    "consent.opt_outs": "opt-outs",
    "consent.optout_hours_median": "median hours to process an opt-out",
    "consent.optout_hours_p95": "95th percentile hours",
    "consent.optouts_late": "opt-outs processed late or never",
    "consent.marketing_sent": "marketing messages sent",
    "consent.marketing_after_optout": "marketing after opt-out",
    "consent.marketing_without_consent": "marketing without consent",
    "consent.missed_keyword_optouts": "missed keyword opt-outs",
    "consent.help_requests": "HELP requests",
    "consent.help_unanswered": "HELP unanswered",
    "consent.extra_optout_confirmations": "confirmations beyond the one allowed",
    "consent.marketing_coverage_rate": "patients opted in to marketing",
}


def summary_table(rows: list[MetricRow]) -> pd.DataFrame:
    """The month's consent metric rows, one column per channel, 'all' last."""
    frame = pd.DataFrame([r for r in rows if r["metric"] in SUMMARY_COLUMNS])
    table = frame.pivot(index="metric", columns="segment", values="value")
    channels = sorted(table.columns, key=lambda s: (s == "all", s))
    table = table.reindex(index=list(SUMMARY_COLUMNS), columns=channels)

    def fmt(metric: str, v) -> str | None:
        if v is None or pd.isna(v):
            return None
        if metric.endswith("_rate"):
            return f"{v:.1%}"
        if "hours" in metric:
            return f"{v:.1f}"
        return f"{int(v):,}"

    out = pd.DataFrame(
        {c: [fmt(m, table.at[m, c]) for m in table.index] for c in channels},
    )
    out.insert(0, "figure", [SUMMARY_COLUMNS[m] for m in table.index])
    return out


def trend_frame(ctx: ReportContext, months: int = 12) -> pd.DataFrame:
    """Opt-ins, opt-outs and marketing coverage per channel for the trailing months."""
    periods = ctx.period.trailing(months)
    frame = changes_frame(ctx, periods)
    cov = coverage_frame(ctx, periods)[["period", "segment", "coverage_rate"]]
    return frame.merge(cov, on=["period", "segment"], how="left")


def trends(ctx: ReportContext) -> list[Trend]:
    """Opt-ins, opt-outs and marketing coverage per month, trailing twelve months."""
    months = ctx.period.trailing(12)
    title = f"Consent changes and marketing opt-in coverage, {months[0]} to {months[-1]}"
    return [Trend("consent", trend_frame(ctx), title)]


def work_lists(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The officer's lists for the month."""
    return {
        "consent-forbidden-marketing": forbidden_marketing(ctx),
        "consent-missed-keyword-optouts": missed_keyword_optouts(ctx),
        "consent-unanswered-help": unanswered_help(ctx),
        "consent-late-optouts": late_optouts(ctx),
    }
