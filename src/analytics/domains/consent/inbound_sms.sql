-- The inbound SMS of the months computed (`consent_month`), each classified by the
-- policy's word lists ($withdraw and $help: whole-word patterns); a withdrawal word wins
-- over a help word.
SELECT message_id, patient_id, sent_at, body,
    CASE WHEN regexp_matches(lower(coalesce(body, '')), $withdraw) THEN 'withdrawal'
         WHEN regexp_matches(lower(coalesce(body, '')), $help) THEN 'help'
         ELSE 'other' END AS kind
FROM consent_messages messages, consent_month
WHERE direction = 'inbound' AND channel = 'sms'
  AND sent_at >= start_ts AND sent_at < end_ts
