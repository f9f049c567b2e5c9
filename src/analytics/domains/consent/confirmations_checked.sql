-- Each opt-out confirmation of the months computed with the consent change (any purpose)
-- it followed, numbered over all history: a confirmation before the months counts.
WITH confirmations AS (
    SELECT messages.* FROM consent_messages messages, consent_month
    WHERE direction = 'outbound' AND purpose = 'optout_confirmation'
      AND sent_at < end_ts
),
-- any purpose's changes, of the patients who got a confirmation
changes AS (
    SELECT patient_id, channel, occurred_at,
        CASE WHEN bool_or(action = 'opt_out') THEN 'opt_out' ELSE 'opt_in' END AS state,
        coalesce(min(event_id) FILTER (WHERE action = 'opt_out'), min(event_id)) AS event_id
    FROM consent_events WHERE patient_id IN (SELECT patient_id FROM confirmations)
    GROUP BY patient_id, channel, occurred_at
),
matched AS (
    SELECT confirmation.message_id, confirmation.patient_id, confirmation.channel,
        confirmation.sent_at, change.state, change.event_id, change.occurred_at
    FROM confirmations confirmation
    ASOF LEFT JOIN changes change
      ON confirmation.patient_id = change.patient_id
     AND confirmation.channel = change.channel
     AND confirmation.sent_at >= change.occurred_at
),
numbered AS (
    SELECT matched.*,
        row_number() OVER (PARTITION BY patient_id, channel, event_id
                           ORDER BY sent_at, message_id) AS nth
    FROM matched
)
SELECT numbered.* FROM numbered, consent_month
WHERE sent_at >= start_ts
