-- The officer's list: each request open at the end of $as_of and not yet past its due
-- date, the soonest due first: what must be answered next, with the days left.
SELECT request_id, request_type, regime, patient_id, received_date AS received,
    due_date AS due, (due_date - $as_of)::INTEGER AS days_left,
    CASE WHEN valid_extension THEN 'yes' WHEN extended_date IS NOT NULL
         THEN 'notified too late' ELSE 'no' END AS extension
FROM request_deadlines
WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
  AND due_date >= $as_of
ORDER BY due_date, request_id
