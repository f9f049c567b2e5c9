-- The month's marketing texts and calls by where the patient is: zone (the clinic's for a
-- patient the export does not place) and state, with how many fell in quiet hours.
SELECT time_zone || CASE WHEN in_clinic_zone THEN ' (clinic''s zone: none given)' ELSE '' END
        AS time_zone,
    coalesce(state, '') AS state,
    count(*) AS marketing_texts_and_calls,
    count(*) FILTER (quiet) AS in_quiet_hours
FROM quiet_hours_checked
GROUP BY ALL
ORDER BY in_quiet_hours DESC, marketing_texts_and_calls DESC, time_zone, state
