-- Inbound texts of the month ($first through $as_of, local dates in $tz) whose words did
-- not arrive (a texting vendor's redaction): a STOP or HELP among them cannot be seen.
SELECT count(*) FROM messages
WHERE direction = 'inbound' AND channel = 'sms' AND body IS NULL
  AND sent_at >= timezone($tz, $first::TIMESTAMP)
  AND sent_at < timezone($tz, ($as_of::DATE + 1)::TIMESTAMP)
