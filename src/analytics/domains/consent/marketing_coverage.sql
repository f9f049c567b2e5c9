-- Share of known patients with a live marketing opt-in, per period of `periods` and
-- channel of `segment_grid`, at each month's end. Known patients: those with any
-- consent change or message before the month's end.
WITH known AS (
    SELECT periods.period, count(seen.patient_id) AS patients
    FROM periods LEFT JOIN patient_first_seen seen ON seen.first_ts < periods.end_ts
    GROUP BY periods.period
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
    SELECT periods.period,
        CASE WHEN grouping(opted_in.channel) = 1 THEN 'all' ELSE opted_in.channel END
            AS segment,
        count(DISTINCT opted_in.patient_id) AS opted_in
    FROM periods JOIN opted_in
      ON opted_in.from_ts < periods.end_ts AND opted_in.to_ts >= periods.end_ts
    GROUP BY GROUPING SETS ((periods.period, opted_in.channel), (periods.period))
)
SELECT grid.period, grid.segment, coalesce(live.opted_in, 0) AS opted_in, known.patients,
    CASE WHEN known.patients > 0 THEN coalesce(live.opted_in, 0) / known.patients END
        AS coverage_rate
FROM segment_grid grid
JOIN known USING (period)
LEFT JOIN live USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
