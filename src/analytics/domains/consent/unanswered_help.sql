-- Officer list: HELP requests of the month with no help reply within $help_minutes; local
-- times in $tz.
SELECT message_id, patient_id,
    strftime(timezone($tz, sent_at), '%Y-%m-%d %H:%M') AS received_local,
    body AS text_as_received,
    CASE WHEN replied_at IS NULL THEN 'never'
         ELSE round(epoch(replied_at - sent_at) / 60.0)::INTEGER || ' minutes later'
    END AS replied
FROM help_checked
WHERE (replied_at IS NULL OR replied_at > sent_at + to_minutes($help_minutes))
  AND in_months(sent_at)
ORDER BY sent_at, message_id
