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

from analytics.figures import MetricRow, Trend, row
from analytics.loading.context import (
    ReportContext,
    bounded_passes,
    by_month,
    per_month,
    per_months,
)
from analytics.loading.derived import Derived, load_rows, query
from analytics.period import Period
from analytics.policy import Target, check_clocks, has_word

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
    "consent.marketing_quiet_hours",
    "consent.marketing_over_frequency",
    "consent.late_optout_confirmations",
    "consent.possible_revocations",
)
# metrics that read a table besides SOURCE_TABLES: quiet hours are judged where the
# patient is (an absent patients table means everyone is in the clinic's zone)
METRIC_TABLES: dict[str, tuple[str, ...]] = {"consent.marketing_quiet_hours": ("patients",)}

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
    return {"tz": ctx.timezone, "first": ctx.span[0].first_day, "last": ctx.span[-1].as_of}


def _keyword_patterns(ctx: ReportContext) -> dict:
    section = policy(ctx)
    return {
        "withdraw": keyword_pattern(section.withdrawal_words),
        "help": keyword_pattern(section.help_words),
    }


# Messages are checked for the months computed only (a health system sends tens of
# millions a year): the report's month, or the months of a back-fill or of the overview's
# history, checked in one pass; the consent changes they are checked against are the
# whole history. A message's verdict does not depend on which months are computed.
CONSENT_MONTH = Derived("consent_month", package=__name__, params=_month_bounds, per_period=True)
CONSENT_MESSAGES = Derived("consent_messages", package=__name__, depends=(CONSENT_MONTH,))
INBOUND_SMS = Derived(
    "inbound_sms", package=__name__, depends=(CONSENT_MESSAGES,), params=_keyword_patterns
)
MARKETING_STATE_CHANGES = Derived("marketing_state_changes", package=__name__)
MARKETING_CHECKED = Derived(
    "marketing_checked", package=__name__, depends=(MARKETING_STATE_CHANGES, CONSENT_MESSAGES)
)
HELP_CHECKED = Derived("help_checked", package=__name__, depends=(INBOUND_SMS, CONSENT_MESSAGES))
CONFIRMATIONS_CHECKED = Derived(
    "confirmations_checked", package=__name__, depends=(CONSENT_MESSAGES,)
)
CONSENT_CHANNELS = Derived("consent_channels", package=__name__)
PATIENT_FIRST_SEEN = Derived("patient_first_seen", package=__name__)


def _load_calling_windows(ctx: ReportContext) -> None:
    columns = {
        "state": "VARCHAR",
        "isodow": "INTEGER",
        "allowed_from": "TIME",
        "allowed_until": "TIME",
        "rule": "VARCHAR",
    }
    load_rows(ctx, "calling_windows", columns, policy(ctx).window_rows())


def _messaging_params(ctx: ReportContext) -> dict:
    return {"tz": ctx.timezone}


PATIENT_PLACES = Derived("patient_places", package=__name__)
CALLING_WINDOWS = Derived("calling_windows", build=_load_calling_windows)
QUIET_HOURS_CHECKED = Derived(
    "quiet_hours_checked",
    package=__name__,
    depends=(CONSENT_MESSAGES, PATIENT_PLACES, CALLING_WINDOWS),
    params=_messaging_params,
)
FREQUENCY_CHECKED = Derived("frequency_checked", package=__name__, depends=(CONSENT_MESSAGES,))
KEYWORD_CONFIRMATIONS = Derived(
    "keyword_confirmations", package=__name__, depends=(CONSENT_MESSAGES,)
)
REVOCATION_CANDIDATES = Derived(
    "revocation_candidates",
    package=__name__,
    depends=(INBOUND_SMS,),
    params=lambda ctx: {"phrases": policy(ctx).revocation_phrases},
)


def monthly_frame(ctx: ReportContext) -> pd.DataFrame:
    """Per month of the context (``span``) and channel (and 'all'): every consent figure,
    in one query."""
    section = policy(ctx)
    return query(
        ctx,
        __name__,
        "consent_monthly",
        needs=(MARKETING_CHECKED, HELP_CHECKED, CONFIRMATIONS_CHECKED, CONSENT_CHANNELS),
        params={
            "late_hours": section.optout_processing_hours,
            "help_minutes": section.help_reply_minutes,
            "allowed": section.optout_confirmations_allowed,
        },
        months=ctx.span,
        grid=("consent_channels", "channel"),
    )


@by_month
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


SMS_ONLY = (
    "consent.missed_keyword_optouts",
    "consent.help_requests",
    "consent.help_unanswered",
    "consent.possible_revocations",
)
# the calling-hours rule binds texts and calls, not e-mail or mail
CALLS_AND_TEXTS_ONLY = ("consent.marketing_quiet_hours",)
MESSAGING_COUNTS = (
    "marketing_quiet_hours",
    "marketing_over_frequency",
    "late_optout_confirmations",
    "possible_revocations",
)
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


def _count_rows(frame: pd.DataFrame, names: tuple[str, ...]) -> list[MetricRow]:
    """Count metric rows of a period's frame, each on the segments its rule applies to
    (SMS-only metrics: sms and all; the calling-hours rule: sms, phone and all)."""
    out: list[MetricRow] = []
    for name in names:
        metric = f"consent.{name}"
        for r in frame.itertuples():
            if metric in SMS_ONLY and r.segment not in ("sms", "all"):
                continue
            if metric in CALLS_AND_TEXTS_ONLY and r.segment not in ("sms", "phone", "all"):
                continue
            out.append(row(metric, int(getattr(r, name)), r.segment))
    return out


def metric_rows(frame: pd.DataFrame) -> list[MetricRow]:
    """Metric rows for one period's frame (SMS-only metrics: segments sms and all)."""
    out = _count_rows(frame, COUNTS)
    for name in ("optout_hours_median", "optout_hours_p95"):
        for r in frame.itertuples():
            value = getattr(r, name)
            out.append(row(f"consent.{name}", None if pd.isna(value) else float(value), r.segment))
    return out


def messaging_frame(ctx: ReportContext) -> pd.DataFrame:
    """Per month of the context (``span``) and channel (and 'all'): the figures of the
    messaging rules, in one query."""
    section = policy(ctx)
    return query(
        ctx,
        __name__,
        "messaging_monthly",
        needs=(
            QUIET_HOURS_CHECKED,
            FREQUENCY_CHECKED,
            KEYWORD_CONFIRMATIONS,
            REVOCATION_CANDIDATES,
            CONSENT_CHANNELS,
        ),
        params={
            "max_per_24h": section.max_marketing_per_24h,
            "minutes": section.confirmation_minutes,
        },
        months=ctx.span,
        grid=("consent_channels", "channel"),
    )


# One pass over months holds their messages in temporary tables (spilled to disk past the
# memory limit): a pass takes as many months as hold at most this many messages (a
# clinic's years at once; a health system of ten million patients, about two months).
PASS_MESSAGES = 25_000_000


def _passes(ctx: ReportContext, months: list[Period]) -> list[list[Period]]:
    """The months in passes of at most ``PASS_MESSAGES`` messages (counted by month)."""
    sizes = query(ctx, __name__, "messages_by_month", months=months)
    counted = dict(zip(sizes["period"], sizes["messages"], strict=True))
    return bounded_passes(counted, months, PASS_MESSAGES)


@per_months(passes=_passes)
def metrics(ctx: ReportContext, periods: list[Period]) -> dict[str, list[MetricRow]]:
    """Every consent metric of metrics.md for each of ``periods``, plus coverage and the
    messaging rules of contract v2: each figure's months in one query."""
    frame, messaging = monthly_frame(ctx), messaging_frame(ctx)
    cov = coverage_frame(ctx, periods)
    out = {}
    for p in map(str, periods):
        rows = metric_rows(frame[frame["period"] == p])
        rows += [
            row("consent.marketing_coverage_rate", _none(r.coverage_rate), r.segment)
            for r in cov[cov["period"] == p].itertuples()
        ]
        out[p] = rows + _count_rows(messaging[messaging["period"] == p], MESSAGING_COUNTS)
    return out


def _none(value):
    return None if value is None or pd.isna(value) else float(value)


# Coverage joins every month's end with the whole consent history: a pass holds as many
# months as keep months x consent changes within this (a clinic's year at once).
PASS_COVERAGE = 50_000_000


def _coverage_passes(ctx: ReportContext, months: list[Period]) -> list[list[Period]]:
    changes = ctx.export.tables["consent_events"].rows_used
    return bounded_passes({str(p): changes for p in months}, months, PASS_COVERAGE)


@by_month(passes=_coverage_passes)
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


# the histogram of processing hours spans twice the policy's limit in this many bins
# (one hour each for a 24-hour limit), with one more for every longer wait
HISTOGRAM_BINS = 48


def optout_hours_bins(ctx: ReportContext) -> tuple[pd.DataFrame, float]:
    """Processed opt-outs of the period counted by hours to processing, and the bin
    width in hours: bins closed on the right, so the policy's limit is a bin edge and
    every opt-out past it is in a bin of its own side."""
    width = policy(ctx).optout_processing_hours * 2 / HISTOGRAM_BINS
    bins = query(
        ctx,
        __name__,
        "optout_hours_bins",
        params={"width": width, "bins": HISTOGRAM_BINS},
        months=[ctx.period],
    )
    return bins, width


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


def quiet_hours_messages(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: marketing texts and calls of the month sent in quiet hours, at the
    patient's local time, with the window allowed where the patient is."""
    return query(
        ctx,
        __name__,
        "quiet_hours_messages",
        needs=(QUIET_HOURS_CHECKED,),
        months=[ctx.period],
    )


def over_frequency_messages(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: marketing messages of the month past the 24-hour limit."""
    return query(
        ctx,
        __name__,
        "over_frequency_messages",
        needs=(FREQUENCY_CHECKED, PATIENT_PLACES),
        params={"tz": ctx.timezone, "max_per_24h": policy(ctx).max_marketing_per_24h},
        months=[ctx.period],
    )


def late_confirmations(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: keyword opt-outs of the month confirmed later than the policy allows."""
    return query(
        ctx,
        __name__,
        "late_confirmations",
        needs=(KEYWORD_CONFIRMATIONS, PATIENT_PLACES),
        params={"tz": ctx.timezone, "minutes": policy(ctx).confirmation_minutes},
        months=[ctx.period],
    )


def possible_revocations(ctx: ReportContext) -> pd.DataFrame:
    """Officer list: the month's replies that may revoke consent in other words and that no
    opt-out names yet (the text shown as received; the page escapes it)."""
    return query(
        ctx,
        __name__,
        "possible_revocations",
        needs=(REVOCATION_CANDIDATES, PATIENT_PLACES),
        params={"tz": ctx.timezone},
        months=[ctx.period],
    )


def places_summary(ctx: ReportContext) -> pd.DataFrame:
    """The month's marketing texts and calls by the patient's time zone and state: how
    many, and how many in quiet hours (where the local-time rule was judged)."""
    return query(ctx, __name__, "quiet_hours_places", needs=(QUIET_HOURS_CHECKED,))


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
MESSAGING_COLUMNS = {
    "consent.marketing_quiet_hours": "marketing in quiet hours (texts and calls)",
    "consent.marketing_over_frequency": "marketing over the 24-hour limit",
    "consent.late_optout_confirmations": "keyword opt-outs confirmed late",
    "consent.possible_revocations": "possible revocations in other words, unreviewed",
}


def summary_table(rows: list[MetricRow], columns: dict[str, str] = SUMMARY_COLUMNS) -> pd.DataFrame:
    """The month's consent metric rows, one column per channel, 'all' last; a figure its
    rule does not apply to on a channel reads "n/a" there."""
    frame = pd.DataFrame([r for r in rows if r["metric"] in columns])
    table = frame.pivot(index="metric", columns="segment", values="value")
    channels = sorted(table.columns, key=lambda s: (s == "all", s))
    table = table.reindex(index=list(columns), columns=channels)
    measured = {(r["metric"], r["segment"]) for r in rows}

    def fmt(metric: str, v, channel: str) -> str | None:
        if (metric, channel) not in measured:
            return "n/a"
        if v is None or pd.isna(v):
            return None
        if metric.endswith("_rate"):
            return f"{v:.1%}"
        if metric.startswith("consent.optout_hours"):
            return f"{v:.1f}"
        return f"{int(v):,}"

    out = pd.DataFrame(
        {c: [fmt(m, table.at[m, c], c) for m in table.index] for c in channels},
    )
    out.insert(0, "figure", [columns[m] for m in table.index])
    return out


def trend_frame(ctx: ReportContext, months: int = 12) -> pd.DataFrame:
    """Opt-ins, opt-outs and marketing coverage per channel for the trailing months."""
    periods = ctx.period.trailing(months)
    frame = changes_frame(ctx, periods)
    cov = coverage_frame(ctx, periods)[["period", "segment", "coverage_rate"]]
    return frame.merge(cov, on=["period", "segment"], how="left")


@per_month
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
        "consent-quiet-hours": quiet_hours_messages(ctx),
        "consent-over-frequency": over_frequency_messages(ctx),
        "consent-late-confirmations": late_confirmations(ctx),
        "consent-possible-revocations": possible_revocations(ctx),
    }
