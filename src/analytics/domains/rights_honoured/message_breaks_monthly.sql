-- Per period of `periods` and channel of `segment_grid` (and 'all'): outbound messages
-- sent in the period that break a preference, and preferences in effect at the last
-- instant of the as-of date.
WITH counted AS (
    SELECT month_of(sent_at) AS period,
        CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) AS messages_breaking
    FROM message_breaks WHERE in_months(sent_at)
    GROUP BY GROUPING SETS ((month_of(sent_at), channel), (month_of(sent_at)))
),
in_effect AS (
    SELECT p.period, count(c.preference_id) AS preferences_in_effect
    FROM periods p LEFT JOIN communication_preferences c
      ON c.effective_at < p.end_ts AND (c.ended_at IS NULL OR c.ended_at >= p.end_ts)
    GROUP BY p.period
)
SELECT grid.period, grid.segment, coalesce(messages_breaking, 0) AS messages_breaking,
    in_effect.preferences_in_effect
FROM segment_grid grid
LEFT JOIN counted USING (period, segment)
JOIN in_effect USING (period)
ORDER BY grid.period, grid.segment = 'all', grid.segment
