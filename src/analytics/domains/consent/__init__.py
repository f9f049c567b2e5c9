"""Consent and opt-out analytics: STOP, HELP, and marketing that should never have gone out.

All in DuckDB over the validated export:
- inbound SMS are classified by the policy's word lists (whole words, any case, anywhere;
  a withdrawal word wins over "help");
- each outbound marketing message is matched with an ``ASOF JOIN`` to the patient's latest
  marketing-or-all consent change on that channel at or before it was sent; consent
  changes at the same instant collapse into one, and an opt-out there wins;
- the messaging rules of contract v2 (``shared/spec/domains/messaging-rules.md``): each
  marketing text or call at its local time in the patient's own zone (the optional
  ``patients`` table, else the clinic's) against the calling window of that weekday where
  the patient is; a rolling 24-hour count per patient and channel (a window function); the
  first confirmation after each keyword opt-out (``ASOF JOIN``); replies that revoke
  consent in other words, matched as whole words with accents and case ignored;
- every query is a ``.sql`` file beside this module; metrics follow
  ``shared/spec/metrics.md``, segmented by channel with a pooled ``all``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from analytics.compute.declare import (
    Cause,
    Domain,
    Summary,
    WorkList,
    count_rows,
    monthly,
    value_rows,
)
from analytics.compute.memo import bounded_passes, per_month, per_months
from analytics.compute.queries import Derived, Queries, load_rows
from analytics.contract import MESSAGES
from analytics.domains.quality import inbound_without_text
from analytics.figures import MetricRow, Trend, month_of
from analytics.loading.context import ReportContext
from analytics.period import Period
from analytics.policy import Target, check_clocks, has_word

NAME = "consent"
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
    "consent.marketing_quiet_hours",
    "consent.marketing_over_frequency",
    "consent.late_optout_confirmations",
    "consent.possible_revocations",
)
# metrics that read a table besides its tables: quiet hours are judged where the
# patient is (an absent patients table means everyone is in the clinic's zone)
# The columns its figures read: every figure reads the consent log and the messages but
# their text; only those below read the words of inbound texts (a vendor's redaction that
# removed them is a data problem for these figures alone).
READS: dict[str, dict[str, tuple[str, ...]]] = {
    "consent": {
        "consent_events": (),
        "messages": tuple(c for c in MESSAGES.column_names if c != "body"),
    }
}
METRIC_READS: dict[str, dict[str, tuple[str, ...]]] = {
    "consent.marketing_quiet_hours": {"patients": ()},  # where each patient is
    **{
        metric: {"messages": ("body",)}
        for metric in (
            "consent.missed_keyword_optouts",
            "consent.help_requests",
            "consent.help_unanswered",
            "consent.possible_revocations",
        )
    },
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO order: Monday is 1


@dataclass(frozen=True)
class CallingWindow:
    """Hours marketing calls and texts are allowed, on some weekdays, in some states
    (``states`` empty: the federal window, for every patient)."""

    states: list[str]
    days: list[str] = field(metadata={"choices": WEEKDAYS})
    starts: str = field()  # "HH:MM" local, inclusive
    ends: str = field()  # "HH:MM" local, exclusive
    source: str = field()

    def __post_init__(self) -> None:
        check_clocks(self, "starts", "ends")
        if self.starts >= self.ends:
            raise ValueError(f"the window {self.starts}-{self.ends} ends before it starts")
        if not self.days:
            raise ValueError("a calling window needs at least one day")
        for state in self.states:
            if not re.fullmatch(r"[A-Za-z]{2}", state):
                raise ValueError(f"state {state!r} is not a two-letter code")


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
    calling_windows: list[CallingWindow]
    calling_windows_source: str
    max_marketing_per_24h: int
    frequency_source: str
    confirmation_minutes: int
    confirmation_timing_source: str
    revocation_phrases: list[str]
    revocation_source: str
    marketing_needs_opt_in: bool = True
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("withdrawal_words", "help_words", "revocation_phrases"):
            words = getattr(self, name)
            if not words or not all(w.strip() for w in words):
                raise ValueError(f"{name} must be a list of words")
            for w in words:
                if not has_word(w):
                    raise ValueError(
                        f"{name}: {w!r} holds no letter or digit (it would match every reply)"
                    )
        federal = [day for w in self.calling_windows if not w.states for day in w.days]
        if sorted(federal, key=WEEKDAYS.index) != list(WEEKDAYS):
            raise ValueError(
                "calling_windows: the federal windows (states = []) must give every weekday "
                "exactly once"
            )
        seen: set[tuple[str, str]] = set()
        for w in self.calling_windows:
            for state in w.states:
                for day in w.days:
                    if (state.upper(), day) in seen:
                        raise ValueError(f"calling_windows: {state} has two windows on {day}")
                    seen.add((state.upper(), day))
        if self.max_marketing_per_24h < 1:
            raise ValueError("max_marketing_per_24h must be 1 or more")
        if self.confirmation_minutes < 0:
            raise ValueError("confirmation_minutes may not be negative")

    @property
    def withdrawal_words_text(self) -> str:
        """The withdrawal words as a reader sees them: "STOP, QUIT, ..."."""
        return ", ".join(w.upper() for w in self.withdrawal_words)

    @property
    def revocation_examples(self) -> str:
        """The first few revocation phrases, quoted: '"no more", "remove me" or "no más"'."""
        quoted = [f'"{p}"' for p in self.revocation_phrases[:3]]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]

    @property
    def federal_hours(self) -> str:
        """The federal calling window in words ("08:00 to 21:00"), or, when it differs by
        weekday, each day's."""
        spans = {(w.starts, w.ends) for w in self.calling_windows if not w.states}
        if len(spans) == 1:
            ((starts, ends),) = spans
            return f"{starts} to {ends}"
        return "; ".join(
            f"{', '.join(d.capitalize() for d in w.days)} {w.starts} to {w.ends}"
            for w in self.calling_windows
            if not w.states
        )

    def window_rows(self) -> list[tuple[str | None, int, str, str, str]]:
        """One row per (state, ISO weekday): the federal window (state None) and, for each
        state a window names, that state's window narrowed to the federal one."""
        federal = {
            day: (w.starts, w.ends) for w in self.calling_windows if not w.states for day in w.days
        }
        out: list[tuple[str | None, int, str, str, str]] = []
        for number, day in enumerate(WEEKDAYS, start=1):
            starts, ends = federal[day]
            out.append((None, number, starts, ends, f"{starts}-{ends} (federal)"))
        for w in self.calling_windows:
            for state in w.states:
                for day in w.days:
                    starts = max(w.starts, federal[day][0])
                    ends = min(w.ends, federal[day][1])
                    rule = f"{starts}-{ends} on {day.capitalize()} ({state.upper()})"
                    out.append((state.upper(), WEEKDAYS.index(day) + 1, starts, ends, rule))
        return out


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


def _load_calling_windows(ctx: ReportContext) -> None:
    """The policy's calling windows as the table ``calling_windows``, one row per state
    and weekday."""
    columns = {
        "state": "VARCHAR",
        "isodow": "INTEGER",
        "allowed_from": "TIME",
        "allowed_until": "TIME",
        "rule": "VARCHAR",
    }
    load_rows(ctx, "calling_windows", columns, DOMAIN.policy(ctx).window_rows())


def _bindings(ctx: ReportContext) -> dict:
    section: ConsentPolicy = DOMAIN.policy(ctx)
    return {
        "withdraw": keyword_pattern(section.withdrawal_words),
        "help": keyword_pattern(section.help_words),
        "phrases": section.revocation_phrases,
        "late_hours": section.optout_processing_hours,
        "help_minutes": section.help_reply_minutes,
        "allowed": section.optout_confirmations_allowed,
        "max_per_24h": section.max_marketing_per_24h,
        "confirmation_minutes": section.confirmation_minutes,
    }


# Messages are checked for the months computed only (a health system sends tens of
# millions a year): the report's month, or the months of a back-fill or of the overview's
# history, checked in one pass (``consent_month`` binds the months' bounds); the consent
# changes they are checked against are the whole history. A message's verdict does not
# depend on which months are computed.
QUERIES = Queries(
    __name__,
    derived=(
        "consent_month",
        "consent_messages",
        "inbound_sms",
        "marketing_state_changes",
        "marketing_checked",
        "help_checked",
        "confirmations_checked",
        "consent_channels",
        "patient_first_seen",
        "patient_places",
        Derived("calling_windows", build=_load_calling_windows),
        "quiet_hours_checked",
        "frequency_checked",
        "keyword_confirmations",
        "revocation_candidates",
    ),
    bindings=_bindings,
)
CHANNELS = ("consent_channels", "channel")


def monthly_frame(ctx: ReportContext) -> pd.DataFrame:
    """Per month of the context (``span``) and channel (and 'all'): every consent figure,
    in one query."""
    return QUERIES.run(ctx, "consent_monthly", months=ctx.span, grid=CHANNELS)


def messaging_frame(ctx: ReportContext) -> pd.DataFrame:
    """Per month of the context (``span``) and channel (and 'all'): the figures of the
    messaging rules, in one query."""
    return QUERIES.run(ctx, "messaging_monthly", months=ctx.span, grid=CHANNELS)


# Opt-ins and opt-outs per period and channel (and 'all'), in one pass.
changes_frame = monthly(QUERIES, "consent_changes", grid=CHANNELS)

SMS_AND_ALL = ("sms", "all")
# the rules of SMS keywords bind texts only; the calling-hours rule texts and calls
SEGMENTS = {
    "consent.missed_keyword_optouts": SMS_AND_ALL,
    "consent.help_requests": SMS_AND_ALL,
    "consent.help_unanswered": SMS_AND_ALL,
    "consent.possible_revocations": SMS_AND_ALL,
    "consent.marketing_quiet_hours": ("sms", "phone", "all"),
}
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
MESSAGING_COUNTS = (
    "marketing_quiet_hours",
    "marketing_over_frequency",
    "late_optout_confirmations",
    "possible_revocations",
)


def metric_rows(frame: pd.DataFrame) -> list[MetricRow]:
    """Metric rows for one period's frame (SMS-only metrics: segments sms and all)."""
    return [
        *count_rows(frame, NAME, COUNTS, SEGMENTS),
        *value_rows(frame, "consent.optout_hours_median", "optout_hours_median"),
        *value_rows(frame, "consent.optout_hours_p95", "optout_hours_p95"),
    ]


# One pass over months holds their messages in temporary tables (spilled to disk past the
# memory limit): a pass takes as many months as hold at most this many messages (a
# clinic's years at once; a health system of ten million patients, about two months).
PASS_MESSAGES = 25_000_000


def _passes(ctx: ReportContext, months: list[Period]) -> list[list[Period]]:
    """The months in passes of at most ``PASS_MESSAGES`` messages (counted by month)."""
    sizes = QUERIES.run(ctx, "messages_by_month", months=months)
    counted = dict(zip(sizes["period"], sizes["messages"], strict=True))
    return bounded_passes(counted, months, PASS_MESSAGES)


@per_months(passes=_passes)
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every consent metric of metrics.md for each of ``periods``, plus coverage and the
    messaging rules of contract v2: each figure's months in one query."""
    frame, messaging = monthly_frame(ctx), messaging_frame(ctx)
    cov = coverage_frame(ctx, periods)
    return {
        str(p): [
            *metric_rows(month_of(frame, p)),
            *value_rows(month_of(cov, p), "consent.marketing_coverage_rate", "coverage_rate"),
            *count_rows(month_of(messaging, p), NAME, MESSAGING_COUNTS, SEGMENTS),
        ]
        for p in periods
    }


# Coverage joins every month's end with the whole consent history: a pass holds as many
# months as keep months x consent changes within this (a clinic's year at once).
PASS_COVERAGE = 50_000_000


def _coverage_passes(ctx: ReportContext, months: list[Period]) -> list[list[Period]]:
    changes = ctx.export.tables["consent_events"].rows_used
    return bounded_passes({str(p): changes for p in months}, months, PASS_COVERAGE)


# Share of known patients with a live marketing opt-in, per channel, at each month end.
# Known patients: those with any consent event or message before the month's end.
coverage_frame = monthly(
    QUERIES,
    "marketing_coverage",
    grid=("marketing_state_changes", "channel"),
    passes=_coverage_passes,
)


# the histogram of processing hours spans twice the policy's limit in this many bins
# (one hour each for a 24-hour limit), with one more for every longer wait
HISTOGRAM_BINS = 48


def optout_hours_bins(ctx: ReportContext) -> tuple[pd.DataFrame, float]:
    """Processed opt-outs of the period counted by hours to processing, and the bin
    width in hours: bins closed on the right, so the policy's limit is a bin edge and
    every opt-out past it is in a bin of its own side."""
    width = DOMAIN.policy(ctx).optout_processing_hours * 2 / HISTOGRAM_BINS
    bins = QUERIES.run(ctx, "optout_hours_bins", {"width": width, "bins": HISTOGRAM_BINS})
    return bins, width


def places_note(ctx: ReportContext) -> str:
    """Where the quiet-hours figures placed patients from, in a sentence for the page."""
    patients = ctx.export.tables["patients"]
    if not patients.present:
        return (
            "The export has no patients table: every patient is judged in the clinic's time "
            f"zone ({ctx.timezone}), and no state's narrower window applies."
        )
    return (
        f"Patients are placed by the export's patients table ({patients.rows_used:,} rows used, "
        f"{patients.rows_quarantined:,} quarantined); a patient it does not place, or "
        f"places without a time zone, is judged in the clinic's zone ({ctx.timezone})."
    )


def rules_applied(ctx: ReportContext) -> pd.DataFrame:
    """The consent rules of the policy, with their sources, for the report's reader."""
    p: ConsentPolicy = DOMAIN.policy(ctx)
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
            *(
                {
                    "rule": "marketing texts and calls only "
                    f"{w.starts}-{w.ends} ({', '.join(d.capitalize() for d in w.days)}) "
                    + (
                        f"in the patient's time zone, for patients in {', '.join(w.states)}"
                        if w.states
                        else "in the patient's time zone (else the clinic's), for everyone"
                    ),
                    "source": w.source,
                }
                for w in p.calling_windows
            ),
            {
                "rule": f"at most {p.max_marketing_per_24h} marketing messages to one patient "
                "on one channel in any 24 hours",
                "source": p.frequency_source,
            },
            {
                "rule": "the first confirmation of an SMS keyword opt-out within "
                f"{p.confirmation_minutes} minutes of the opt-out text",
                "source": p.confirmation_timing_source,
            },
            {
                "rule": "a reply without a withdrawal word holding any of these phrases (whole "
                "words, any case, accents ignored) may revoke consent and is reviewed: "
                + ", ".join(p.revocation_phrases),
                "source": p.revocation_source,
            },
        ]
    )


def trend_frame(ctx: ReportContext, months: int = 12) -> pd.DataFrame:
    """Opt-ins, opt-outs and marketing coverage per channel for the trailing months."""
    periods = ctx.period.trailing(months)
    frame = changes_frame(ctx, periods)
    cov = coverage_frame(ctx, periods)[["period", "segment", "coverage_rate"]]
    return frame.merge(cov, on=["period", "segment"], how="left")


@per_month
def trends(ctx: ReportContext) -> list[Trend]:
    """Opt-ins and opt-outs per month, and the share of patients opted in to marketing
    per channel at each month's end, trailing twelve months: two charts, one axis each."""
    months = ctx.period.trailing(12)
    frame = trend_frame(ctx)
    span = f"{months[0]} to {months[-1]}"
    coverage = frame[frame["segment"].isin(["sms", "email"])].reset_index(drop=True)
    return [
        Trend("consent", frame, f"Consent changes per month, all channels, {span}"),
        Trend(
            "share",
            coverage,
            f"Patients opted in to marketing at each month's end, by channel, {span}",
            y_label="patients opted in (%)",
            value="coverage_rate",
            legend="channel",
        ),
    ]


RULE = (
    "marketing only after an opt-in on that channel; after an opt-out none; withdrawal "
    "words in any SMS reply are an opt-out; HELP answered; opt-outs processed promptly; "
    "marketing texts and calls only in the hours allowed where the patient is, at most a few "
    "a day; opt-outs confirmed within minutes; revocations in other words reviewed"
)
DOMAIN = Domain(
    name=NAME,
    title="Consent and opt-out",
    promise="Marketing and texts",
    rule=RULE,
    policy_section=ConsentPolicy,
    tables=("consent_events", "messages"),  # the export tables its figures read
    metric_names=METRICS,
    metrics=metrics,
    trends=trends,
    queries=QUERIES,
    reads=READS,
    metric_reads=METRIC_READS,
    causes=(
        Cause("quiet_hours_causes", "consent.marketing_quiet_hours"),
        Cause("forbidden_marketing_causes", "consent.marketing_after_optout"),
        Cause("unconsented_marketing_causes", "consent.marketing_without_consent"),
    ),
    lists=(
        WorkList("forbidden_marketing", "Forbidden marketing, {period}"),
        WorkList("missed_keyword_optouts", "Withdrawals without an opt-out, {period}"),
        WorkList("unanswered_help", "HELP without a timely reply, {period}"),
        WorkList("late_optouts", "Opt-outs processed late or never, {period}"),
        WorkList("quiet_hours_messages", "Marketing in quiet hours, {period}"),
        WorkList("over_frequency_messages", "Marketing over the 24-hour limit, {period}"),
        WorkList("late_confirmations", "Keyword opt-outs confirmed late, {period}"),
        WorkList("possible_revocations", "Possible revocations to review, {period}"),
    ),
    summaries={
        "consent": Summary(
            "Consent and messaging, {period}",
            "figure",
            {
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
            },
            formats={
                "consent.optout_hours_median": "one_decimal",
                "consent.optout_hours_p95": "one_decimal",
                "consent.marketing_coverage_rate": "rate",
            },
            segments_across=True,
        ),
        "messaging": Summary(
            "Messaging rules, {period}",
            "figure",
            {
                "consent.marketing_quiet_hours": "marketing in quiet hours (texts and calls)",
                "consent.marketing_over_frequency": "marketing over the 24-hour limit",
                "consent.late_optout_confirmations": "keyword opt-outs confirmed late",
                "consent.possible_revocations": "possible revocations in other words, unreviewed",
            },
            segments_across=True,
        ),
    },
)


def replies_without_words(ctx: ReportContext) -> str:
    """What the page says when inbound texts of the month arrived without their words (a
    texting vendor's redaction): the figures that read replies cannot see into them."""
    n = inbound_without_text(ctx)
    if not n:
        return ""
    return (
        f"{n:,} inbound text{'s' if n != 1 else ''} of {ctx.period} arrived without "
        f"{'their' if n != 1 else 'its'} words (removed by the texting vendor's redaction?). "
        "A STOP, a HELP or a revocation in other words cannot be seen there: missed keyword "
        "opt-outs, HELP requests and possible revocations count only the texts that "
        "arrived, and the overview does not judge them."
    )
