-- The notices owed as of each month of `periods` (incident discovered by the as-of date
-- and notifiable then: not assessed by then, or assessed a breach), each with its due
-- date as of that date and whether it was sent by the end of it. Every figure and list of
-- notices reads this view.
SELECT p.period, p.first_day, p.as_of, n.*,
    CASE WHEN n.kind = 'ca_ag' AND n.individuals_sent <= p.as_of
         THEN n.individuals_sent + (SELECT ag_days FROM incident_params)
         ELSE n.due_date END AS due,
    coalesce(n.sent_date <= p.as_of, false) AS sent_by_as_of
FROM periods p
JOIN incident_notices n
  ON n.discovered_date <= p.as_of
 AND (n.assessed_date IS NULL OR n.assessed_date > p.as_of OR n.determination = 'breach')
