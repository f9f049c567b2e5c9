-- Officer list: marketing of the month sent after an opt-out or without consent, with
-- the consent change that forbade it; local times in $tz.
SELECT message_id, patient_id, channel, campaign_id,
    strftime(timezone($tz, sent_at), '%Y-%m-%d %H:%M') AS sent_local,
    CASE WHEN state = 'opt_out' THEN 'after opt-out' ELSE 'no consent on record' END
        AS problem,
    consent_event_id AS forbidding_event,
    strftime(timezone($tz, consent_at), '%Y-%m-%d %H:%M') AS event_local
FROM marketing_checked
WHERE (state = 'opt_out' OR state IS NULL) AND in_months(sent_at)
ORDER BY sent_at, message_id
