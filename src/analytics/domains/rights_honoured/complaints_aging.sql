-- Complaints open at the end of the as-of date of the one month of `periods` (received by
-- then, not resolved by then), by how long past their due date.
SELECT CASE WHEN c.due_date >= p.as_of THEN 'not yet due'
            WHEN p.as_of - c.due_date <= 30 THEN '1-30 days past due'
            WHEN p.as_of - c.due_date <= 90 THEN '31-90 days past due'
            ELSE 'over 90 days past due' END AS bucket,
    count(*) AS complaints
FROM complaint_dates c, periods p
WHERE c.received_date <= p.as_of AND (c.resolved_date IS NULL OR c.resolved_date > p.as_of)
GROUP BY ALL
