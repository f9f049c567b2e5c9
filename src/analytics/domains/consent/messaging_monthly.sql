-- Per channel (and 'all'): the month's figures of the messaging rules, in one query.
-- Binds $period, $max_per_24h (the frequency limit) and $minutes (confirmation time).
WITH quiet AS (
    SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
        count(*) FILTER (quiet) AS marketing_quiet_hours
    FROM quiet_hours_checked GROUP BY GROUPING SETS ((channel), ())
),
frequency AS (
    SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
        count(*) FILTER (sent_in_24h > $max_per_24h) AS marketing_over_frequency
    FROM frequency_checked GROUP BY GROUPING SETS ((channel), ())
),
confirmations AS (
    SELECT CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS channel,
        count(*) FILTER (confirmed_at > requested_at + to_minutes($minutes))
            AS late_optout_confirmations
    FROM keyword_confirmations GROUP BY GROUPING SETS ((channel), ())
),
revocations AS (
    SELECT sms.channel, counted.possible_revocations
    FROM (VALUES ('sms'), ('all')) sms(channel),
        (SELECT count(*) FILTER (NOT reviewed) AS possible_revocations
         FROM revocation_candidates) counted
)
SELECT $period AS period, channels.channel AS segment,
    coalesce(marketing_quiet_hours, 0) AS marketing_quiet_hours,
    coalesce(marketing_over_frequency, 0) AS marketing_over_frequency,
    coalesce(late_optout_confirmations, 0) AS late_optout_confirmations,
    coalesce(possible_revocations, 0) AS possible_revocations
FROM consent_channels channels
LEFT JOIN quiet USING (channel) LEFT JOIN frequency USING (channel)
LEFT JOIN confirmations USING (channel) LEFT JOIN revocations USING (channel)
ORDER BY channels.channel = 'all', channels.channel
