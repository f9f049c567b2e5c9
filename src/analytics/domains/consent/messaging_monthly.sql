-- Per period of `periods` and channel of `segment_grid` (and 'all'): the figures of the
-- messaging rules, in one query over the per-message tables of those months. Binds
-- $max_per_24h (the frequency limit) and $confirmation_minutes (confirmation time).
WITH quiet AS (
    SELECT period, CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) FILTER (quiet) AS marketing_quiet_hours
    FROM (SELECT month_of(sent_at) AS period, channel, quiet FROM quiet_hours_checked)
    GROUP BY GROUPING SETS ((period, channel), (period))
),
frequency AS (
    SELECT period, CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) FILTER (sent_in_24h > $max_per_24h) AS marketing_over_frequency
    FROM (SELECT month_of(sent_at) AS period, channel, sent_in_24h FROM frequency_checked)
    GROUP BY GROUPING SETS ((period, channel), (period))
),
confirmations AS (
    SELECT period, CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) FILTER (confirmed_at > requested_at + to_minutes($confirmation_minutes))
            AS late_optout_confirmations
    FROM (
        SELECT month_of(requested_at) AS period, channel, confirmed_at, requested_at
        FROM keyword_confirmations
    ) GROUP BY GROUPING SETS ((period, channel), (period))
),
revocations AS (
    SELECT counted.period, sms.segment, counted.possible_revocations
    FROM (VALUES ('sms'), ('all')) sms(segment),
        (SELECT month_of(sent_at) AS period,
            count(*) FILTER (NOT reviewed) AS possible_revocations
         FROM revocation_candidates GROUP BY ALL) counted
)
SELECT grid.period, grid.segment,
    coalesce(marketing_quiet_hours, 0) AS marketing_quiet_hours,
    coalesce(marketing_over_frequency, 0) AS marketing_over_frequency,
    coalesce(late_optout_confirmations, 0) AS late_optout_confirmations,
    coalesce(possible_revocations, 0) AS possible_revocations
FROM segment_grid grid
LEFT JOIN quiet USING (period, segment) LEFT JOIN frequency USING (period, segment)
LEFT JOIN confirmations USING (period, segment) LEFT JOIN revocations USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
