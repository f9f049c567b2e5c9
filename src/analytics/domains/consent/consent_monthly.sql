-- Per channel (and 'all'): every consent figure of the month, in one query. Binds
-- $period, $late_hours (opt-out processing limit), $help_minutes and $allowed
-- (confirmations allowed after an opt-out).
WITH changes AS (
    SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
        count(*) FILTER (action = 'opt_in') AS opt_ins,
        count(*) FILTER (action = 'opt_out') AS opt_outs,
        quantile_cont(hours, 0.5) FILTER (action = 'opt_out') AS optout_hours_median,
        quantile_cont(hours, 0.95) FILTER (action = 'opt_out') AS optout_hours_p95,
        count(*) FILTER (action = 'opt_out' AND (unprocessed OR hours > $late_hours))
            AS optouts_late
    FROM (
        SELECT event.channel, event.action,
            epoch(event.processed_at - event.occurred_at) / 3600.0 AS hours,
            event.processed_at IS NULL AS unprocessed
        FROM consent_events event, consent_month
        WHERE event.occurred_at >= start_ts AND event.occurred_at < end_ts
    ) GROUP BY GROUPING SETS ((channel), ())
),
marketing AS (
    SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
        count(*) FILTER (state = 'opt_out') AS marketing_after_optout,
        count(*) FILTER (state IS NULL) AS marketing_without_consent,
        count(*) AS marketing_sent
    FROM marketing_checked GROUP BY GROUPING SETS ((channel), ())
),
sms AS (SELECT unnest(['sms', 'all']) AS channel),
keywords AS (
    SELECT sms.channel, counted.* FROM sms, (
        SELECT
            count(*) FILTER (inbound.kind = 'withdrawal' AND NOT EXISTS (
                SELECT 1 FROM consent_events event
                WHERE event.action = 'opt_out' AND event.source_message_id = inbound.message_id))
                AS missed_keyword_optouts,
            count(*) FILTER (inbound.kind = 'withdrawal') AS keyword_optouts
        FROM inbound_sms inbound
    ) counted
),
help AS (
    SELECT sms.channel, counted.* FROM sms, (
        SELECT count(*) AS help_requests,
            count(*) FILTER (replied_at IS NULL
                OR replied_at > sent_at + to_minutes($help_minutes)) AS help_unanswered
        FROM help_checked
    ) counted
),
confirmations AS (
    SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
        count(*) FILTER (state IS DISTINCT FROM 'opt_out' OR nth > $allowed)
            AS extra_optout_confirmations
    FROM confirmations_checked GROUP BY GROUPING SETS ((channel), ())
)
SELECT $period AS period, channels.channel AS segment,
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
FROM consent_channels channels
LEFT JOIN changes USING (channel) LEFT JOIN marketing USING (channel)
LEFT JOIN keywords USING (channel) LEFT JOIN help USING (channel)
LEFT JOIN confirmations USING (channel)
ORDER BY channels.channel = 'all', channels.channel
