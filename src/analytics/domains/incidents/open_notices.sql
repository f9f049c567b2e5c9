-- The officer's list: every owed notice not sent by the end of as_of, the most overdue
-- first, with its days left (negative: overdue). Reads the one month of `periods`.
SELECT incident_id AS "incident", discovered_date AS "discovered",
    category, individuals AS "individuals affected",
    CASE WHEN assessed_date IS NULL OR assessed_date > as_of
         THEN 'not assessed: presumed a breach'
         ELSE 'breach (assessed ' || strftime(assessed_date, '%Y-%m-%d') || ')' END
        AS "assessment",
    kind AS "notice", due AS "due date",
    CASE WHEN due < as_of THEN 'overdue by ' || (as_of - due) || ' days'
         WHEN due = as_of THEN 'due today'
         ELSE (due - as_of) || ' days left' END AS "status",
    (due - as_of)::INTEGER AS "days left",
    hold_until AS "law-enforcement hold until"
FROM owed_notices
WHERE NOT sent_by_as_of
ORDER BY due, incident_id, kind
