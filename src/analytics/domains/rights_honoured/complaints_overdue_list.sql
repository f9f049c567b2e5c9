-- The officer's list: complaints received by the as-of date of the one month of `periods`,
-- not resolved by its end, past their due date; the most overdue first.
SELECT c.complaint_id AS "complaint", coalesce(c.patient_id, '') AS "patient",
    c.received_date AS "received", c.topic, c.channel, coalesce(c.regulator, '') AS "regulator",
    c.due_date AS "due date", (p.as_of - c.due_date)::INTEGER AS "days overdue"
FROM complaint_dates c, periods p
WHERE c.received_date <= p.as_of
  AND (c.resolved_date IS NULL OR c.resolved_date > p.as_of)
  AND c.due_date < p.as_of
ORDER BY c.due_date, c.complaint_id
