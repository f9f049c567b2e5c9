-- When each patient first appears: their first consent change or message.
SELECT patient_id, min(ts) AS first_ts FROM (
    SELECT patient_id, occurred_at AS ts FROM consent_events
    UNION ALL SELECT patient_id, sent_at FROM messages
) GROUP BY patient_id
