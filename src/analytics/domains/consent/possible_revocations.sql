-- Officer list: the month's texts that may revoke consent in other words and that no
-- opt-out names yet, at the patient's local time and zone, with the phrases found.
SELECT candidate.message_id, candidate.patient_id,
    strftime(timezone(coalesce(place.time_zone, $tz), candidate.sent_at), '%Y-%m-%d %H:%M:%S')
        AS received_local,
    coalesce(place.time_zone, $tz) AS time_zone,
    candidate.body AS text_as_received, candidate.phrases AS phrases_found,
    'revocation in any reasonable words: review' AS rule
FROM revocation_candidates candidate LEFT JOIN patient_places place USING (patient_id)
WHERE NOT candidate.reviewed AND in_months(candidate.sent_at)
ORDER BY candidate.sent_at, candidate.message_id
