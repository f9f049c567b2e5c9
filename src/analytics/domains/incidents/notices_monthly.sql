-- Per period of `periods` and notice kind owed then (and 'all'): notices sent in the
-- period, of them on time, and notices not sent by the as-of date that are overdue or due
-- within the next 30 days.
WITH counted AS (
    SELECT period, CASE WHEN grouping(kind) = 1 THEN 'all' ELSE kind END AS segment,
        count(*) FILTER (sent_date BETWEEN first_day AND as_of) AS notices_sent,
        count(*) FILTER (sent_date BETWEEN first_day AND as_of AND sent_date <= due)
            AS notices_sent_on_time,
        count(*) FILTER (NOT sent_by_as_of AND due < as_of) AS notices_overdue,
        count(*) FILTER (NOT sent_by_as_of AND due > as_of AND due <= as_of + 30)
            AS notices_due_next_30_days
    FROM owed_notices
    GROUP BY GROUPING SETS ((period, kind), (period))
)
-- a kind only where a notice of it is owed; 'all' in every period
SELECT period, segment, notices_sent, notices_sent_on_time, notices_overdue,
    notices_due_next_30_days
FROM counted WHERE segment <> 'all'
UNION ALL
SELECT p.period, 'all', coalesce(c.notices_sent, 0), coalesce(c.notices_sent_on_time, 0),
    coalesce(c.notices_overdue, 0), coalesce(c.notices_due_next_30_days, 0)
FROM periods p LEFT JOIN counted c ON c.period = p.period AND c.segment = 'all'
ORDER BY period, segment = 'all', segment
