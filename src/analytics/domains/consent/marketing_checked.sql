-- Each marketing message of the months computed with the patient's marketing consent on
-- its channel as of the instant it was sent (NULL state: no consent on record).
WITH month_marketing AS (
    SELECT messages.* FROM consent_messages messages, consent_month
    WHERE direction = 'outbound' AND purpose = 'marketing'
      AND sent_at >= start_ts AND sent_at < end_ts
)
SELECT message.message_id, message.patient_id, message.channel, message.campaign_id,
    message.sent_at, change.state, change.event_id AS consent_event_id,
    change.occurred_at AS consent_at
FROM month_marketing message
ASOF LEFT JOIN marketing_state_changes change
    ON message.patient_id = change.patient_id AND message.channel = change.channel
   AND message.sent_at >= change.occurred_at
