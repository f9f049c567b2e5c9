-- Per period of `periods` and role of `segment_grid` (and 'all'): members active on the
-- as-of date, and of them those with a required course overdue (due date before it).
WITH members AS (
    SELECT period, member_id, role, bool_or(due_date < as_of) AS overdue
    FROM training_due GROUP BY ALL
),
counted AS (
    SELECT period, CASE WHEN grouping(role) = 1 THEN 'all' ELSE role END AS segment,
        count(*) AS members_active, count(*) FILTER (overdue) AS members_overdue
    FROM members GROUP BY GROUPING SETS ((period, role), (period))
)
SELECT grid.period, grid.segment, coalesce(members_active, 0) AS members_active,
    coalesce(members_overdue, 0) AS members_overdue
FROM segment_grid grid LEFT JOIN counted USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
