-- Per period of `periods` and purpose of `segment_grid` (and 'all'): disclosures in the
-- period that break a restriction.
WITH counted AS (
    SELECT month_of(disclosed_at) AS period,
        CASE WHEN grouping(purpose) = 1 THEN 'all' ELSE purpose END AS segment,
        count(*) AS disclosures_breaking
    FROM disclosure_breaks WHERE in_months(disclosed_at)
    GROUP BY GROUPING SETS ((month_of(disclosed_at), purpose), (month_of(disclosed_at)))
)
SELECT grid.period, grid.segment, coalesce(disclosures_breaking, 0) AS disclosures_breaking
FROM segment_grid grid LEFT JOIN counted USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
