-- The officer's list: outbound messages in the one month of `periods` that broke a
-- communication preference, with the preference(s) they broke. Binds $tz.
SELECT message_id AS "message", patient_id AS "patient", channel, purpose,
    strftime(timezone($tz, sent_at), '%Y-%m-%d %H:%M')
        AS "sent (local)",
    preferences_broken AS "preference broken"
FROM message_breaks WHERE in_months(sent_at)
ORDER BY sent_at, message_id
