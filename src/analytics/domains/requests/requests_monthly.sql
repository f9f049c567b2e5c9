-- Per period of `periods` and segment of `segment_grid` (request type, or 'all'): every
-- monthly request figure. Binds the acknowledgment rule ($ack_regime, $ack_types).
WITH segments AS (SELECT DISTINCT segment FROM segment_grid),
tagged AS (
    SELECT request_deadlines.*, segments.segment
    FROM request_deadlines
    JOIN segments ON segments.segment IN (request_deadlines.request_type, 'all')
),
per_month AS (
    SELECT grid.period, grid.segment, periods.first_day, periods.as_of, tagged.*,
        tagged.closed_date BETWEEN periods.first_day AND periods.as_of
            AND tagged.outcome <> 'withdrawn' AS is_closed,
        tagged.regime = $ack_regime AND list_contains($ack_types, tagged.request_type)
            AS ack_applies
    FROM segment_grid grid
    JOIN periods USING (period)
    LEFT JOIN tagged USING (segment)
)
SELECT period, segment,
    count(*) FILTER (received_date BETWEEN first_day AND as_of) AS received,
    count(*) FILTER (is_closed) AS closed,
    count(*) FILTER (closed_date BETWEEN first_day AND as_of
                     AND outcome = 'withdrawn') AS withdrawn,
    count(*) FILTER (is_closed AND on_time) AS closed_on_time,
    count(*) FILTER (is_closed AND valid_extension) AS extended,
    count(*) FILTER (received_date <= as_of
                     AND (closed_date IS NULL OR closed_date > as_of)
                     AND due_date < as_of) AS open_overdue,
    median(days_to_close) FILTER (is_closed) AS median_days_to_close,
    count(*) FILTER (is_closed AND ack_applies) AS ack_population,
    count(*) FILTER (is_closed AND ack_applies
        AND least(acknowledged_date, closed_date) <= ack_due_date) AS ack_on_time
FROM per_month GROUP BY period, segment ORDER BY period, segment
