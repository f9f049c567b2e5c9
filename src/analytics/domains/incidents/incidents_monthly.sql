-- Per period of `periods` and category of `segment_grid` (and 'all'): incidents
-- discovered in the period, assessed a breach in the period, and (pooled only) incidents
-- discovered by the as-of date, not assessed by it, whose assessment target has passed.
-- Binds $tz and $assessment_days.
WITH dated AS (
    SELECT category, timezone($tz, discovered_at)::DATE AS discovered_date,
        timezone($tz, assessed_at)::DATE AS assessed_date, determination
    FROM incidents
),
counted AS (
    SELECT p.period, CASE WHEN grouping(d.category) = 1 THEN 'all' ELSE d.category END
            AS segment,
        count(*) FILTER (d.discovered_date BETWEEN p.first_day AND p.as_of) AS discovered,
        count(*) FILTER (d.assessed_date BETWEEN p.first_day AND p.as_of
                         AND d.determination = 'breach') AS breaches,
        count(*) FILTER (d.discovered_date <= p.as_of
                         AND (d.assessed_date IS NULL OR d.assessed_date > p.as_of)
                         AND d.discovered_date + $assessment_days < p.as_of) AS unassessed_late
    FROM periods p CROSS JOIN dated d
    GROUP BY GROUPING SETS ((p.period, d.category), (p.period))
)
SELECT grid.period, grid.segment,
    coalesce(discovered, 0) AS discovered, coalesce(breaches, 0) AS breaches,
    coalesce(unassessed_late, 0) AS unassessed_late
FROM segment_grid grid LEFT JOIN counted USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
