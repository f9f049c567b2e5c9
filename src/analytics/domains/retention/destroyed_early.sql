-- Officer list: records destroyed between $first and $as_of before their retention end.
SELECT record_id, patient_id, record_class, last_activity_date AS last_activity,
    retention_end, disposal_due, legal_hold, minor AS minor_at_last_activity,
    disposed_date AS disposed
FROM record_retention
WHERE disposed_date BETWEEN $first AND $as_of AND disposed_date < retention_end
ORDER BY disposed_date, record_id
