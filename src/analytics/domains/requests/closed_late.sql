-- Requests answered between $first and $as_of after their due date.
SELECT request_id, request_type, regime, received_date AS received, due_date AS due,
    closed_date AS closed, closed_date - due_date AS days_late, outcome,
    CASE WHEN valid_extension THEN 'yes' WHEN extended_date IS NOT NULL
         THEN 'notified too late' ELSE 'no' END AS extension
FROM request_deadlines
WHERE closed_date BETWEEN $first AND $as_of AND outcome <> 'withdrawn' AND NOT on_time
ORDER BY days_late DESC, request_id
