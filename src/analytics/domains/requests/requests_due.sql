-- The requests' clock: requests open at the end of $as_of, past their due date ('missed')
-- or due from $as_of to $days days after it ('due_soon'), with the patients they concern.
SELECT CASE WHEN due_date < $as_of THEN 'missed' ELSE 'due_soon' END AS state,
    count(*) AS items, count(DISTINCT patient_id) AS people,
    min(due_date) AS first_due, max(due_date) AS last_due
FROM request_deadlines
WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
  AND due_date <= $as_of + $days::INTEGER
GROUP BY ALL
