-- Each SMS keyword opt-out whose source message (an inbound message that was not
-- quarantined) arrived in the months computed, with the first opt-out confirmation SMS
-- to that patient sent at or after it, whenever it was sent (after their end too).
WITH keyword_optouts AS (
    SELECT event.event_id, event.patient_id, event.channel,
        source.message_id AS source_message_id, source.body AS source_body,
        source.sent_at AS requested_at
    FROM consent_events event
    JOIN consent_messages source
      ON source.message_id = event.source_message_id AND source.direction = 'inbound',
        consent_month
    WHERE event.action = 'opt_out' AND event.method = 'sms_keyword'
      AND source.sent_at >= start_ts AND source.sent_at < end_ts
),
confirmations AS (
    SELECT message_id, patient_id, sent_at FROM consent_messages
    WHERE direction = 'outbound' AND channel = 'sms' AND purpose = 'optout_confirmation'
)
SELECT optout.*, confirmation.message_id AS confirmation_id,
    confirmation.sent_at AS confirmed_at
FROM keyword_optouts optout
ASOF LEFT JOIN confirmations confirmation
  ON optout.patient_id = confirmation.patient_id
 AND confirmation.sent_at >= optout.requested_at
