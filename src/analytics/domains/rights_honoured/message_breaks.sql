-- Every outbound message that breaks a communication preference in effect at its instant:
-- `avoid` and sent on that channel, or `only` and sent on another. A reply to the patient's
-- own message (help_reply, optout_confirmation) breaks none; a message that breaks several
-- counts once, with every preference it broke listed.
SELECT m.message_id, m.patient_id, m.channel, m.purpose, m.sent_at,
    string_agg(p.rule || ' ' || p.channel, ', ' ORDER BY p.preference_id) AS preferences_broken
FROM messages m
JOIN communication_preferences p
  ON p.patient_id = m.patient_id
 AND p.effective_at <= m.sent_at
 AND (p.ended_at IS NULL OR m.sent_at < p.ended_at)
 AND ((p.rule = 'avoid' AND m.channel = p.channel)
      OR (p.rule = 'only' AND m.channel <> p.channel))
WHERE m.direction = 'outbound'
  AND coalesce(m.purpose, '') NOT IN ('help_reply', 'optout_confirmation')
GROUP BY ALL
