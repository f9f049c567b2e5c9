-- Denials closed between $first and $as_of, by regime and reason.
SELECT regime, coalesce(denial_reason, '(none given)') AS denial_reason,
    count(*) AS requests
FROM request_deadlines
WHERE outcome = 'denied' AND closed_date BETWEEN $first AND $as_of
GROUP BY ALL ORDER BY regime, requests DESC, denial_reason
