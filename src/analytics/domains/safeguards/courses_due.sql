-- The training clock: each required course of each member active at the month's end,
-- past its due date ('missed') or due in the $days days after it ('due_soon'); the
-- people are the members.
SELECT CASE WHEN due_date < as_of THEN 'missed' ELSE 'due_soon' END AS state,
    count(*) AS items, count(DISTINCT member_id) AS people,
    min(due_date) AS first_due, max(due_date) AS last_due
FROM training_due
WHERE due_date <= as_of + $days::INTEGER
GROUP BY ALL
