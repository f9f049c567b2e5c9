-- Every change of a patient's marketing consent on a channel (purpose marketing or all);
-- changes at the same instant collapse into one, and an opt-out there wins.
SELECT patient_id, channel, occurred_at,
    CASE WHEN bool_or(action = 'opt_out') THEN 'opt_out' ELSE 'opt_in' END AS state,
    coalesce(min(event_id) FILTER (WHERE action = 'opt_out'), min(event_id)) AS event_id
FROM consent_events WHERE purpose IN ('marketing', 'all')
GROUP BY patient_id, channel, occurred_at
