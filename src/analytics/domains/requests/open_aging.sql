-- Requests open at the end of $as_of, by request type and days past due.
SELECT request_type,
    CASE WHEN due_date >= $as_of THEN 'not yet due'
         WHEN $as_of - due_date <= 7 THEN '1-7 days past due'
         WHEN $as_of - due_date <= 30 THEN '8-30 days past due'
         WHEN $as_of - due_date <= 90 THEN '31-90 days past due'
         ELSE 'over 90 days past due' END AS bucket,
    count(*) AS requests
FROM request_deadlines
WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
GROUP BY ALL
