-- The destruction clock: records held at the end of $as_of and not on hold, past their
-- disposal due date ('missed') or due from $as_of to $days days after it ('due_soon'),
-- with the patients whose records they are.
SELECT CASE WHEN disposal_due < $as_of THEN 'missed' ELSE 'due_soon' END AS state,
    count(*) AS items, count(DISTINCT patient_id) AS people,
    min(disposal_due) AS first_due, max(disposal_due) AS last_due
FROM record_retention
WHERE created_date <= $as_of AND (disposed_date IS NULL OR disposed_date > $as_of)
  AND NOT legal_hold AND disposal_due <= $as_of + $days::INTEGER
GROUP BY ALL
