-- Officer list: records held at the end of $as_of, not on hold, overdue for destruction
-- or due within 90 days after $as_of; oldest due date first, each with its status and
-- its days overdue or left.
SELECT record_id, patient_id, record_class,
    CASE WHEN disposal_due < $as_of THEN 'overdue' ELSE 'due soon' END AS status,
    CASE WHEN disposal_due < $as_of THEN ($as_of - disposal_due)::INTEGER END AS days_overdue,
    CASE WHEN disposal_due >= $as_of THEN (disposal_due - $as_of)::INTEGER END AS days_left,
    last_activity_date AS last_activity, retention_end, disposal_due,
    minor AS minor_at_last_activity
FROM record_retention
WHERE created_date <= $as_of AND (disposed_date IS NULL OR disposed_date > $as_of)
  AND NOT legal_hold AND disposal_due <= $as_of + 90
ORDER BY disposal_due, record_id
