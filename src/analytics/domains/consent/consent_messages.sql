-- The messages the consent rules read for the months computed (`consent_month`), taken
-- from the export in one scan (a health system holds hundreds of millions; every
-- per-message table below reads this one instead):
-- - inbound messages of the months (STOP, HELP, other words; a keyword opt-out's source);
-- - outbound marketing of the months, and of the 24 hours before them (the frequency
--   window reaches back);
-- - every opt-out confirmation, of all history (confirmations are numbered over all of it,
--   and a STOP's first confirmation may come after the months);
-- - help replies from the months' start on (a HELP's reply may come after them).
SELECT message.*
FROM messages message, consent_month
WHERE (message.direction = 'inbound'
        AND message.sent_at >= start_ts AND message.sent_at < end_ts)
   OR (message.direction = 'outbound' AND message.purpose = 'marketing'
        AND message.sent_at > start_ts - INTERVAL 24 HOUR AND message.sent_at < end_ts)
   OR (message.direction = 'outbound' AND message.purpose = 'optout_confirmation')
   OR (message.direction = 'outbound' AND message.channel = 'sms'
        AND message.purpose = 'help_reply' AND message.sent_at >= start_ts)
