-- Per period of `periods` and channel of `segment_grid` (and 'all'): every consent figure,
-- in one query over the per-message tables of those months (`consent_month`). Binds
-- $late_hours (opt-out processing limit), $help_minutes and $allowed (confirmations
-- allowed after an opt-out).
WITH changes AS (
    SELECT period, CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) FILTER (action = 'opt_in') AS opt_ins,
        count(*) FILTER (action = 'opt_out') AS opt_outs,
        quantile_cont(hours, 0.5) FILTER (action = 'opt_out') AS optout_hours_median,
        quantile_cont(hours, 0.95) FILTER (action = 'opt_out') AS optout_hours_p95,
        count(*) FILTER (action = 'opt_out' AND (unprocessed OR hours > $late_hours))
            AS optouts_late
    FROM (
        SELECT month_of(event.occurred_at) AS period, event.channel, event.action,
            epoch(event.processed_at - event.occurred_at) / 3600.0 AS hours,
            event.processed_at IS NULL AS unprocessed
        FROM consent_events event
        WHERE in_months(event.occurred_at)
    ) GROUP BY GROUPING SETS ((period, channel), (period))
),
marketing AS (
    SELECT period, CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) FILTER (state = 'opt_out') AS marketing_after_optout,
        count(*) FILTER (state IS NULL) AS marketing_without_consent,
        count(*) AS marketing_sent
    FROM (SELECT month_of(sent_at) AS period, channel, state FROM marketing_checked)
    GROUP BY GROUPING SETS ((period, channel), (period))
),
sms AS (SELECT unnest(['sms', 'all']) AS segment),
keywords AS (
    SELECT counted.period, sms.segment, counted.* EXCLUDE (period) FROM sms, (
        SELECT month_of(inbound.sent_at) AS period,
            count(*) FILTER (inbound.kind = 'withdrawal' AND NOT EXISTS (
                SELECT 1 FROM consent_events event
                WHERE event.action = 'opt_out' AND event.source_message_id = inbound.message_id))
                AS missed_keyword_optouts,
            count(*) FILTER (inbound.kind = 'withdrawal') AS keyword_optouts
        FROM inbound_sms inbound GROUP BY ALL
    ) counted
),
help AS (
    SELECT counted.period, sms.segment, counted.* EXCLUDE (period) FROM sms, (
        SELECT month_of(sent_at) AS period, count(*) AS help_requests,
            count(*) FILTER (replied_at IS NULL
                OR replied_at > sent_at + to_minutes($help_minutes)) AS help_unanswered
        FROM help_checked GROUP BY ALL
    ) counted
),
confirmations AS (
    SELECT period, CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) FILTER (state IS DISTINCT FROM 'opt_out' OR nth > $allowed)
            AS extra_optout_confirmations
    FROM (SELECT month_of(sent_at) AS period, channel, state, nth FROM confirmations_checked)
    GROUP BY GROUPING SETS ((period, channel), (period))
)
SELECT grid.period, grid.segment,
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
FROM segment_grid grid
LEFT JOIN changes USING (period, segment) LEFT JOIN marketing USING (period, segment)
LEFT JOIN keywords USING (period, segment) LEFT JOIN help USING (period, segment)
LEFT JOIN confirmations USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
