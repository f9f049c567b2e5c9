-- The officer's work list: each request open at the end of $as_of and past its due date,
-- most overdue first.
SELECT request_id, request_type, regime, patient_id, received_date AS received,
    due_date AS due, $as_of - due_date AS days_overdue,
    CASE WHEN valid_extension THEN 'yes' WHEN extended_date IS NOT NULL
         THEN 'notified too late' ELSE 'no' END AS extension
FROM request_deadlines
WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
  AND due_date < $as_of
ORDER BY days_overdue DESC, request_id
