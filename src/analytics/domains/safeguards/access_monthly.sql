-- Per period of `periods`: access events by action (`segment_grid`, and 'all'), and
-- alerts by rule ($rules, and 'all'), with the distinct members and patients alerted; the
-- events are read once (`access_review`).
WITH reviewed AS MATERIALIZED (
    SELECT period, action, member_id, patient_id, rules FROM access_review
),
events AS (
    SELECT period, CASE WHEN grouping(action) = 1 THEN 'all' ELSE action END AS segment,
        count(*) AS n
    FROM reviewed GROUP BY GROUPING SETS ((period, action), (period))
),
raised AS (
    SELECT period, member_id, patient_id, unnest(rules) AS rule
    FROM reviewed WHERE len(rules) > 0
),
alerts AS (
    SELECT period, CASE WHEN grouping(rule) = 1 THEN 'all' ELSE rule END AS segment,
        count(*) AS n
    FROM raised GROUP BY GROUPING SETS ((period, rule), (period))
),
alerted AS (
    SELECT period, count(DISTINCT member_id) AS members, count(DISTINCT patient_id) AS patients
    FROM raised GROUP BY period
),
rules AS (SELECT unnest($rules::VARCHAR[]) AS segment UNION ALL SELECT 'all')
SELECT 'events' AS figure, grid.period, grid.segment, coalesce(events.n, 0) AS value
FROM segment_grid grid LEFT JOIN events USING (period, segment)
UNION ALL
SELECT 'alerts', p.period, r.segment, coalesce(alerts.n, 0)
FROM periods p CROSS JOIN rules r LEFT JOIN alerts ON alerts.period = p.period
    AND alerts.segment = r.segment
UNION ALL
SELECT 'members_alerted', p.period, 'all', coalesce(alerted.members, 0)
FROM periods p LEFT JOIN alerted USING (period)
UNION ALL
SELECT 'patients_alerted', p.period, 'all', coalesce(alerted.patients, 0)
FROM periods p LEFT JOIN alerted USING (period)
