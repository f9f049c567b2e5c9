-- Officer list: inbound SMS of the month that withdrew consent and that no opt-out
-- names; local times in $tz.
SELECT inbound.message_id, inbound.patient_id,
    strftime(timezone($tz, inbound.sent_at), '%Y-%m-%d %H:%M') AS received_local,
    inbound.body AS text_as_received
FROM inbound_sms inbound
WHERE inbound.kind = 'withdrawal'
  AND in_months(inbound.sent_at)
  AND NOT EXISTS (SELECT 1 FROM consent_events event
                  WHERE event.action = 'opt_out'
                    AND event.source_message_id = inbound.message_id)
ORDER BY inbound.sent_at, inbound.message_id
