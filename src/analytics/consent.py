"""Consent and opt-out analytics: STOP, HELP, and marketing that should never have gone out.

All in DuckDB over the validated export:
- inbound SMS are classified by the policy's word lists (whole words, any case, anywhere;
  a withdrawal word wins over "help");
- each outbound marketing message is matched with an ``ASOF JOIN`` to the patient's latest
  marketing-or-all consent change on that channel at or before it was sent; consent
  changes at the same instant collapse into one, and an opt-out there wins;
- metrics follow ``shared/spec/metrics.md``, segmented by channel with a pooled ``all``.
"""

from __future__ import annotations

import re

import pandas as pd

from analytics.metrics import MetricRow, row
from analytics.period import Period
from analytics.sql import PERIODS_CTE, has_table, in_month, month_buckets, period_params


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


def _policy(ctx) -> dict:
    return ctx.policy.data["consent"]


def ensure_consent_tables(ctx) -> None:
    """Create the per-message tables the month's consent figures read, once per connection
    and period.

    Messages are checked for the context's month only (a health system sends tens of
    millions a year); the consent changes they are checked against are the whole history.
    """
    con = ctx.export.con
    if has_table(con, "_consent_scope") and con.execute(
        "SELECT period FROM _consent_scope"
    ).fetchall() == [(str(ctx.period),)]:
        return
    policy = _policy(ctx)
    month = {"tz": ctx.timezone, "first": ctx.period.first_day, "last": ctx.period.as_of}
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _month AS
        SELECT timezone($tz, $first::TIMESTAMP) AS start_ts,
               timezone($tz, ($last + 1)::TIMESTAMP) AS end_ts
        """,
        month,
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE inbound_sms AS
        SELECT message_id, patient_id, sent_at, body,
            CASE WHEN regexp_matches(lower(coalesce(body, '')), $withdraw) THEN 'withdrawal'
                 WHEN regexp_matches(lower(coalesce(body, '')), $help) THEN 'help'
                 ELSE 'other' END AS kind
        FROM messages, _month
        WHERE direction = 'inbound' AND channel = 'sms'
          AND sent_at >= start_ts AND sent_at < end_ts
        """,
        {
            "withdraw": keyword_pattern(policy["withdrawal_words"]),
            "help": keyword_pattern(policy["help_words"]),
        },
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE marketing_state_changes AS
        SELECT patient_id, channel, occurred_at,
            CASE WHEN bool_or(action = 'opt_out') THEN 'opt_out' ELSE 'opt_in' END AS state,
            coalesce(min(event_id) FILTER (WHERE action = 'opt_out'), min(event_id))
                AS event_id
        FROM consent_events WHERE purpose IN ('marketing', 'all')
        GROUP BY patient_id, channel, occurred_at;

        CREATE OR REPLACE TEMP TABLE marketing_checked AS
        SELECT m.message_id, m.patient_id, m.channel, m.campaign_id, m.sent_at,
            c.state, c.event_id AS consent_event_id, c.occurred_at AS consent_at
        FROM (SELECT messages.* FROM messages, _month
              WHERE direction = 'outbound' AND purpose = 'marketing'
                AND sent_at >= start_ts AND sent_at < end_ts) m
        ASOF LEFT JOIN marketing_state_changes c
            ON m.patient_id = c.patient_id AND m.channel = c.channel
           AND m.sent_at >= c.occurred_at;

        CREATE OR REPLACE TEMP TABLE help_checked AS
        SELECT h.message_id, h.patient_id, h.sent_at, h.body,
            r.message_id AS reply_id, r.sent_at AS replied_at
        FROM (SELECT * FROM inbound_sms WHERE kind = 'help') h
        ASOF LEFT JOIN (SELECT messages.* FROM messages, _month
                        WHERE direction = 'outbound' AND channel = 'sms'
                          AND purpose = 'help_reply' AND sent_at >= start_ts) r
            ON h.patient_id = r.patient_id AND r.sent_at >= h.sent_at;

        CREATE OR REPLACE TEMP TABLE confirmations_checked AS
        WITH m AS (
            SELECT messages.* FROM messages, _month
            WHERE direction = 'outbound' AND purpose = 'optout_confirmation'
              AND sent_at < end_ts
        ),
        -- any purpose's changes, of the patients who got a confirmation
        s AS (
            SELECT patient_id, channel, occurred_at,
                CASE WHEN bool_or(action = 'opt_out') THEN 'opt_out' ELSE 'opt_in' END
                    AS state,
                coalesce(min(event_id) FILTER (WHERE action = 'opt_out'), min(event_id))
                    AS event_id
            FROM consent_events WHERE patient_id IN (SELECT patient_id FROM m)
            GROUP BY patient_id, channel, occurred_at
        ),
        c AS (
            SELECT m.message_id, m.patient_id, m.channel, m.sent_at,
                s.state, s.event_id, s.occurred_at
            FROM m ASOF LEFT JOIN s
              ON m.patient_id = s.patient_id AND m.channel = s.channel
             AND m.sent_at >= s.occurred_at
        ),
        numbered AS (  -- numbered over all history: a confirmation last month counts
            SELECT c.*,
                row_number() OVER (PARTITION BY patient_id, channel, event_id
                                   ORDER BY sent_at, message_id) AS nth
            FROM c
        )
        SELECT numbered.* FROM numbered, _month
        WHERE sent_at >= start_ts;

        CREATE OR REPLACE TEMP TABLE _consent_scope AS SELECT $period AS period;
        """,
        {"period": str(ctx.period)},
    )


def _ensure_channels(ctx) -> None:
    """``consent_channels``: the segments of consent figures (every channel seen in consent
    changes or messages, and 'all'), one scan of the messages per connection."""
    con = ctx.export.con
    if not has_table(con, "consent_channels"):
        con.execute(
            """
            CREATE TEMP TABLE consent_channels AS
            SELECT DISTINCT channel FROM consent_events
            UNION SELECT DISTINCT channel FROM messages UNION SELECT 'all'
            """
        )


def monthly_frame(ctx) -> pd.DataFrame:
    """Per channel (and 'all'): every consent figure of the context's month, in one query."""
    ensure_consent_tables(ctx)
    _ensure_channels(ctx)
    policy = _policy(ctx)
    return ctx.export.con.execute(
        """
        WITH ev_agg AS (
            SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
                count(*) FILTER (action = 'opt_in') AS opt_ins,
                count(*) FILTER (action = 'opt_out') AS opt_outs,
                quantile_cont(hours, 0.5) FILTER (action = 'opt_out') AS optout_hours_median,
                quantile_cont(hours, 0.95) FILTER (action = 'opt_out') AS optout_hours_p95,
                count(*) FILTER (action = 'opt_out' AND (unprocessed OR hours > $late_hours))
                    AS optouts_late
            FROM (
                SELECT e.channel, e.action,
                    epoch(e.processed_at - e.occurred_at) / 3600.0 AS hours,
                    e.processed_at IS NULL AS unprocessed
                FROM consent_events e, _month
                WHERE e.occurred_at >= start_ts AND e.occurred_at < end_ts
            ) GROUP BY GROUPING SETS ((channel), ())
        ),
        mk AS (
            SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
                count(*) FILTER (state = 'opt_out') AS marketing_after_optout,
                count(*) FILTER (state IS NULL) AS marketing_without_consent,
                count(*) AS marketing_sent
            FROM marketing_checked GROUP BY GROUPING SETS ((channel), ())
        ),
        sms AS (SELECT unnest(['sms', 'all']) AS channel),
        kw AS (
            SELECT sms.channel, k.* FROM sms, (
                SELECT
                    count(*) FILTER (i.kind = 'withdrawal' AND NOT EXISTS (
                        SELECT 1 FROM consent_events e
                        WHERE e.action = 'opt_out' AND e.source_message_id = i.message_id))
                        AS missed_keyword_optouts,
                    count(*) FILTER (i.kind = 'withdrawal') AS keyword_optouts
                FROM inbound_sms i
            ) k
        ),
        hp AS (
            SELECT sms.channel, h.* FROM sms, (
                SELECT count(*) AS help_requests,
                    count(*) FILTER (replied_at IS NULL
                        OR replied_at > sent_at + to_minutes($help_minutes)) AS help_unanswered
                FROM help_checked
            ) h
        ),
        cf AS (
            SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
                count(*) FILTER (state IS DISTINCT FROM 'opt_out' OR nth > $allowed)
                    AS extra_optout_confirmations
            FROM confirmations_checked GROUP BY GROUPING SETS ((channel), ())
        )
        SELECT $period AS period, g.channel AS segment,
            coalesce(opt_ins, 0) AS opt_ins, coalesce(opt_outs, 0) AS opt_outs,
            optout_hours_median, optout_hours_p95, coalesce(optouts_late, 0) AS optouts_late,
            coalesce(marketing_sent, 0) AS marketing_sent,
            coalesce(marketing_after_optout, 0) AS marketing_after_optout,
            coalesce(marketing_without_consent, 0) AS marketing_without_consent,
            coalesce(keyword_optouts, 0) AS keyword_optouts,
            coalesce(missed_keyword_optouts, 0) AS missed_keyword_optouts,
            coalesce(help_requests, 0) AS help_requests,
            coalesce(help_unanswered, 0) AS help_unanswered,
            coalesce(extra_optout_confirmations, 0) AS extra_optout_confirmations
        FROM consent_channels g
        LEFT JOIN ev_agg USING (channel) LEFT JOIN mk USING (channel)
        LEFT JOIN kw USING (channel) LEFT JOIN hp USING (channel)
        LEFT JOIN cf USING (channel)
        ORDER BY g.channel = 'all', g.channel
        """,
        {
            "period": str(ctx.period),
            "late_hours": policy["optout_processing_hours"],
            "help_minutes": policy["help_reply_minutes"],
            "allowed": policy["optout_confirmations_allowed"],
        },
    ).df()


def changes_frame(ctx, periods: list[Period]) -> pd.DataFrame:
    """Opt-ins and opt-outs per period and channel (and 'all'), in one pass."""
    _ensure_channels(ctx)
    months = month_buckets("occurred_at", ctx.timezone, periods)
    return ctx.export.con.execute(
        f"""
        WITH {PERIODS_CTE},
        counted AS (
            SELECT period,
                CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
                count(*) FILTER (action = 'opt_in') AS opt_ins,
                count(*) FILTER (action = 'opt_out') AS opt_outs
            FROM (
                SELECT {months.label} AS period, channel, action
                FROM consent_events WHERE {months.within}
            ) GROUP BY GROUPING SETS ((period, channel), (period))
        )
        SELECT p.period, g.channel AS segment,
            coalesce(opt_ins, 0) AS opt_ins, coalesce(opt_outs, 0) AS opt_outs
        FROM periods p CROSS JOIN consent_channels g
        LEFT JOIN counted c ON c.period = p.period AND c.channel = g.channel
        ORDER BY p.period, g.channel = 'all', g.channel
        """,
        {**period_params(ctx.timezone, periods), **months.params},
    ).df()


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


def metrics(ctx) -> list[MetricRow]:
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


def coverage_frame(ctx, periods: list[Period]) -> pd.DataFrame:
    """Share of known patients with a live marketing opt-in, per channel, at each month end.

    Known patients: those with any consent event or message before the month's end.
    """
    ensure_consent_tables(ctx)
    con = ctx.export.con
    if not has_table(con, "patient_first_seen"):  # the same for every month: built once
        con.execute(
            """
            CREATE TEMP TABLE patient_first_seen AS
            SELECT patient_id, min(ts) AS first_ts FROM (
                SELECT patient_id, occurred_at AS ts FROM consent_events
                UNION ALL SELECT patient_id, sent_at FROM messages
            ) GROUP BY patient_id
            """
        )
    return con.execute(
        f"""
        WITH {PERIODS_CTE},
        known AS (
            SELECT p.period, count(f.patient_id) AS patients
            FROM periods p LEFT JOIN patient_first_seen f ON f.first_ts < p.end_ts
            GROUP BY p.period
        ),
        opted_in AS (
            SELECT patient_id, channel, occurred_at AS from_ts,
                coalesce(to_ts, 'infinity'::TIMESTAMPTZ) AS to_ts
            FROM (
                SELECT patient_id, channel, occurred_at, state,
                    lead(occurred_at) OVER (PARTITION BY patient_id, channel
                                            ORDER BY occurred_at) AS to_ts
                FROM marketing_state_changes
            ) WHERE state = 'opt_in'
        ),
        -- the latest change strictly before the month's end is an opt-in
        live AS (
            SELECT p.period,
                CASE WHEN grouping(o.channel) = 1 THEN 'all' ELSE o.channel END AS segment,
                count(DISTINCT o.patient_id) AS opted_in
            FROM periods p JOIN opted_in o ON o.from_ts < p.end_ts AND o.to_ts >= p.end_ts
            GROUP BY GROUPING SETS ((p.period, o.channel), (p.period))
        ),
        segs AS (
            SELECT DISTINCT channel AS segment FROM marketing_state_changes UNION SELECT 'all'
        )
        SELECT p.period, sg.segment, coalesce(l.opted_in, 0) AS opted_in, k.patients,
            CASE WHEN k.patients > 0 THEN coalesce(l.opted_in, 0) / k.patients END
                AS coverage_rate
        FROM periods p CROSS JOIN segs sg
        JOIN known k USING (period)
        LEFT JOIN live l ON l.period = p.period AND l.segment = sg.segment
        ORDER BY p.period, sg.segment = 'all', sg.segment
        """,
        period_params(ctx.timezone, periods),
    ).df()


def optout_hours(ctx) -> pd.DataFrame:
    """Hours from opt-out to processing, per opt-out occurring in the period (for a histogram)."""
    month, params = in_month("occurred_at", ctx.timezone, ctx.period)
    return ctx.export.con.execute(
        f"""
        SELECT channel, method, epoch(processed_at - occurred_at) / 3600.0 AS hours
        FROM consent_events
        WHERE action = 'opt_out' AND processed_at IS NOT NULL AND {month}
        """,
        params,
    ).df()


def _local(column: str) -> str:
    return f"strftime(timezone($tz, {column}), '%Y-%m-%d %H:%M')"


def forbidden_marketing(ctx) -> pd.DataFrame:
    """Officer list: marketing sent in the period after an opt-out or without consent."""
    ensure_consent_tables(ctx)
    month, params = in_month("sent_at", ctx.timezone, ctx.period)
    return ctx.export.con.execute(
        f"""
        SELECT message_id, patient_id, channel, campaign_id, {_local("sent_at")} AS sent_local,
            CASE WHEN state = 'opt_out' THEN 'after opt-out' ELSE 'no consent on record' END
                AS problem,
            consent_event_id AS forbidding_event, {_local("consent_at")} AS event_local
        FROM marketing_checked
        WHERE (state = 'opt_out' OR state IS NULL)
          AND {month}
        ORDER BY sent_at, message_id
        """,
        params,
    ).df()


def missed_keyword_optouts(ctx) -> pd.DataFrame:
    """Officer list: inbound SMS that withdrew consent and no opt-out event names."""
    ensure_consent_tables(ctx)
    month, params = in_month("i.sent_at", ctx.timezone, ctx.period)
    return ctx.export.con.execute(
        f"""
        SELECT i.message_id, i.patient_id, {_local("i.sent_at")} AS received_local,
            i.body AS text_as_received
        FROM inbound_sms i
        WHERE i.kind = 'withdrawal'
          AND {month}
          AND NOT EXISTS (SELECT 1 FROM consent_events e
                          WHERE e.action = 'opt_out' AND e.source_message_id = i.message_id)
        ORDER BY i.sent_at, i.message_id
        """,
        params,
    ).df()


def unanswered_help(ctx) -> pd.DataFrame:
    """Officer list: HELP requests with no help reply within the policy's minutes."""
    ensure_consent_tables(ctx)
    month, params = in_month("sent_at", ctx.timezone, ctx.period)
    return ctx.export.con.execute(
        f"""
        SELECT message_id, patient_id, {_local("sent_at")} AS received_local,
            body AS text_as_received,
            CASE WHEN replied_at IS NULL THEN 'never'
                 ELSE round(epoch(replied_at - sent_at) / 60.0)::INTEGER || ' minutes later'
            END AS replied
        FROM help_checked
        WHERE (replied_at IS NULL OR replied_at > sent_at + to_minutes($minutes))
          AND {month}
        ORDER BY sent_at, message_id
        """,
        {**params, "minutes": _policy(ctx)["help_reply_minutes"]},
    ).df()


def late_optouts(ctx) -> pd.DataFrame:
    """Officer list: opt-outs in the period processed late or not at all."""
    month, params = in_month("occurred_at", ctx.timezone, ctx.period)
    return ctx.export.con.execute(
        f"""
        SELECT event_id, patient_id, channel, purpose, method,
            {_local("occurred_at")} AS occurred_local,
            coalesce({_local("processed_at")}, 'not processed') AS processed_local,
            round(epoch(processed_at - occurred_at) / 3600.0, 1) AS hours
        FROM consent_events
        WHERE action = 'opt_out'
          AND {month}
          AND (processed_at IS NULL
               OR epoch(processed_at - occurred_at) / 3600.0 > $hours)
        ORDER BY occurred_at, event_id
        """,
        {**params, "hours": _policy(ctx)["optout_processing_hours"]},
    ).df()


def rules_applied(ctx) -> pd.DataFrame:
    """The consent rules of the policy, with their sources, for the report's reader."""
    p = _policy(ctx)
    return pd.DataFrame(
        [
            {
                "rule": "an SMS reply containing any of these words withdraws consent: "
                + ", ".join(p["withdrawal_words"]),
                "source": p["withdrawal_source"],
            },
            {
                "rule": f"a reply with {', '.join(p['help_words'])} (and no withdrawal word) "
                f"must get a help reply within {p['help_reply_minutes']} minutes",
                "source": p["help_source"],
            },
            {
                "rule": f"an opt-out must be processed within {p['optout_processing_hours']} hours",
                "source": p["optout_processing_source"],
            },
            {
                "rule": "marketing on a channel needs a prior opt-in on that channel; after an "
                f"opt-out, none, and at most {p['optout_confirmations_allowed']} confirmation",
                "source": p["marketing_consent_source"] + "; " + p["optout_confirmation_source"],
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


def trend_frame(ctx, months: int = 12) -> pd.DataFrame:
    """Opt-ins, opt-outs and marketing coverage per channel for the trailing months."""
    periods = ctx.period.trailing(months)
    frame = changes_frame(ctx, periods)
    cov = coverage_frame(ctx, periods)[["period", "segment", "coverage_rate"]]
    return frame.merge(cov, on=["period", "segment"], how="left")


def index_trends(ctx) -> list:
    """Opt-ins, opt-outs and marketing coverage per month, trailing twelve months."""
    from analytics import charts

    frame = trend_frame(ctx)
    months = ctx.period.trailing(12)
    title = f"Consent changes and marketing opt-in coverage, {months[0]} to {months[-1]}"
    return [charts.consent_trend(frame, title)]


def work_lists(ctx) -> dict:
    """The officer's lists for the month."""
    return {
        "consent-forbidden-marketing": forbidden_marketing(ctx),
        "consent-missed-keyword-optouts": missed_keyword_optouts(ctx),
        "consent-unanswered-help": unanswered_help(ctx),
        "consent-late-optouts": late_optouts(ctx),
    }
