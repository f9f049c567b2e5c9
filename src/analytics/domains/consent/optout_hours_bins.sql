-- Processed opt-outs of the month counted by hours from opt-out to processing, for the
-- histogram: bins of $width hours closed on the right ((0, w], (w, 2w], ...; an opt-out
-- processed at the instant it occurred falls in the first), the last bin ($bins + 1)
-- holding everything past $bins widths. A page draws these counts, never a row per
-- opt-out. Each bin's shortest and longest wait name the range in the chart's caption.
WITH waits AS (
    SELECT epoch(processed_at - occurred_at) / 3600.0 AS hours
    FROM consent_events
    WHERE action = 'opt_out' AND processed_at IS NOT NULL AND in_months(occurred_at)
)
SELECT
    least(greatest(ceil(hours / $width), 1), $bins + 1)::INTEGER AS bin,
    CASE WHEN bin <= $bins THEN bin * $width END AS up_to_hours,  -- NULL: the longer waits
    count(*) AS opt_outs,
    min(hours) AS shortest_hours,
    max(hours) AS longest_hours
FROM waits
GROUP BY ALL
ORDER BY bin
