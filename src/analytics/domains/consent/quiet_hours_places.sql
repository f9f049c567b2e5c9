-- The month's marketing texts and calls by where the patient is: zone (the clinic's for a
-- patient the export does not place) and state, with how many fell in quiet hours.
SELECT time_zone || CASE WHEN in_clinic_zone THEN ' (clinic''s zone: none given)' ELSE '' END
        AS "time zone",
    coalesce(state, '') AS state,
    count(*) AS "marketing texts and calls",
    count(*) FILTER (quiet) AS "in quiet hours"
FROM quiet_hours_checked
GROUP BY ALL
ORDER BY "in quiet hours" DESC, "marketing texts and calls" DESC, "time zone", state
