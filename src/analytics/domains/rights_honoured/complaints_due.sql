-- The complaints' clock: complaints received by the month's last day and not resolved by
-- its end, past their due date ('missed') or due from then to $days days after it
-- ('due_soon'), with the patients who made them.
SELECT CASE WHEN c.due_date < p.as_of THEN 'missed' ELSE 'due_soon' END AS state,
    count(*) AS items, count(DISTINCT c.patient_id) AS people,
    min(c.due_date) AS first_due, max(c.due_date) AS last_due
FROM complaint_dates c, periods p
WHERE c.received_date <= p.as_of
  AND (c.resolved_date IS NULL OR c.resolved_date > p.as_of)
  AND c.due_date <= p.as_of + $days::INTEGER
GROUP BY ALL
