-- Each HELP of the months computed with the first help reply to that patient at or after
-- it.
WITH help_requests AS (SELECT * FROM inbound_sms WHERE kind = 'help'),
help_replies AS (
    SELECT messages.* FROM consent_messages messages, consent_month
    WHERE direction = 'outbound' AND channel = 'sms'
      AND purpose = 'help_reply' AND sent_at >= start_ts
)
SELECT help.message_id, help.patient_id, help.sent_at, help.body,
    reply.message_id AS reply_id, reply.sent_at AS replied_at
FROM help_requests help
ASOF LEFT JOIN help_replies reply
    ON help.patient_id = reply.patient_id AND reply.sent_at >= help.sent_at
