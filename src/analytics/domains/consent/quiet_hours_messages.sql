-- Officer list: marketing texts and calls of the month sent in quiet hours, at the
-- patient's local time and zone, with the window allowed where the patient is.
SELECT message_id, patient_id, channel, campaign_id,
    strftime(local_at, '%Y-%m-%d %H:%M:%S') AS sent_local,
    time_zone || CASE WHEN in_clinic_zone THEN ' (clinic''s zone)' ELSE '' END AS time_zone,
    coalesce(state, '') AS state, rule AS allowed_there
FROM quiet_hours_checked
WHERE quiet AND in_months(sent_at)
ORDER BY sent_at, message_id
