-- Per period of `periods` and topic of `segment_grid` (and 'all'): complaints received,
-- resolved (not withdrawn) and of them on time, open past due at the end of the as-of
-- date, the median days to resolve, and complaints that came through a regulator.
WITH segments AS (SELECT DISTINCT segment FROM segment_grid),
tagged AS (
    SELECT complaint_dates.*, segments.segment
    FROM complaint_dates JOIN segments ON segments.segment IN (complaint_dates.topic, 'all')
),
per_month AS (
    SELECT grid.period, grid.segment, periods.first_day, periods.as_of, tagged.*,
        tagged.resolved_date BETWEEN periods.first_day AND periods.as_of
            AND tagged.outcome <> 'withdrawn' AS is_resolved
    FROM segment_grid grid
    JOIN periods USING (period)
    LEFT JOIN tagged USING (segment)
)
SELECT period, segment,
    count(complaint_id) FILTER (received_date BETWEEN first_day AND as_of) AS received,
    count(complaint_id) FILTER (is_resolved) AS resolved,
    count(complaint_id) FILTER (is_resolved AND resolved_date <= due_date) AS resolved_on_time,
    count(complaint_id) FILTER (received_date <= as_of
                                AND (resolved_date IS NULL OR resolved_date > as_of)
                                AND due_date < as_of) AS open_overdue,
    median(days_to_resolve) FILTER (is_resolved) AS median_days_to_resolve,
    count(complaint_id) FILTER (received_date BETWEEN first_day AND as_of
                                AND regulator IS NOT NULL) AS to_regulators
FROM per_month GROUP BY period, segment ORDER BY period, segment = 'all', segment
