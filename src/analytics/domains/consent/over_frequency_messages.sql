-- Officer list: marketing messages of the month past the limit of $max_per_24h to one
-- patient on one channel in 24 hours, at the patient's local time and zone ($tz: the
-- clinic's, for a patient without one).
SELECT checked.message_id, checked.patient_id, checked.channel, checked.campaign_id,
    strftime(timezone(coalesce(place.time_zone, $tz), checked.sent_at), '%Y-%m-%d %H:%M:%S')
        AS sent_local,
    coalesce(place.time_zone, $tz) AS time_zone,
    checked.sent_in_24h AS marketing_in_24_hours,
    'at most ' || $max_per_24h || ' in any 24 hours' AS rule
FROM frequency_checked checked LEFT JOIN patient_places place USING (patient_id)
WHERE checked.sent_in_24h > $max_per_24h AND in_months(checked.sent_at)
ORDER BY checked.sent_at, checked.message_id
