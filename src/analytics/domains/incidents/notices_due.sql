-- The breach notices' clock: notices owed as of the month's last day and not sent by its
-- end, past their due date ('missed') or due in the $days days after it ('due_soon'),
-- with the individuals affected by their incidents (each incident counted once).
WITH incidents AS (
    SELECT CASE WHEN due < as_of THEN 'missed' ELSE 'due_soon' END AS state, incident_id,
        count(*) AS notices, max(individuals) AS individuals,
        min(due) AS first_due, max(due) AS last_due
    FROM owed_notices
    WHERE NOT sent_by_as_of AND due <> as_of AND due <= as_of + $days::INTEGER
    GROUP BY ALL
)
SELECT state, sum(notices)::BIGINT AS items, sum(individuals)::BIGINT AS people,
    min(first_due) AS first_due, max(last_due) AS last_due
FROM incidents
GROUP BY state
