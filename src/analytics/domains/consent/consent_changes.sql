-- Opt-ins and opt-outs per period of `periods` and channel of `segment_grid` (and 'all').
WITH counted AS (
    SELECT period,
        CASE WHEN grouping(channel) = 1 THEN 'all' ELSE channel END AS segment,
        count(*) FILTER (action = 'opt_in') AS opt_ins,
        count(*) FILTER (action = 'opt_out') AS opt_outs
    FROM (
        SELECT month_of(occurred_at) AS period, channel, action
        FROM consent_events WHERE in_months(occurred_at)
    ) GROUP BY GROUPING SETS ((period, channel), (period))
)
SELECT grid.period, grid.segment,
    coalesce(opt_ins, 0) AS opt_ins, coalesce(opt_outs, 0) AS opt_outs
FROM segment_grid grid LEFT JOIN counted USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
