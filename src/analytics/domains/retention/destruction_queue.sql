-- Officer list: records held at the end of $as_of, not on hold, overdue for destruction
-- or due within 90 days after $as_of; oldest due date first.
SELECT record_id, patient_id, record_class, last_activity_date AS last_activity,
    retention_end, disposal_due, legal_hold, minor AS minor_at_last_activity,
    disposed_date AS disposed
FROM record_retention
WHERE created_date <= $as_of AND (disposed_date IS NULL OR disposed_date > $as_of)
  AND NOT legal_hold AND disposal_due <= $as_of + 90
ORDER BY disposal_due, record_id
