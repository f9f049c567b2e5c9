-- Notices owed and sent in the month (first_day to as_of), with the date due and whether
-- they were on time. Reads the one month of `periods`.
SELECT incident_id AS "incident", discovered_date AS "discovered", category,
    kind AS "notice", due AS "due date", sent_date AS "sent",
    CASE WHEN sent_date <= due THEN 'on time'
         ELSE 'late by ' || (sent_date - due) || ' days' END AS "on time"
FROM owed_notices
WHERE sent_date BETWEEN first_day AND as_of
ORDER BY sent_date, incident_id, kind
