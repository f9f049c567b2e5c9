-- Officer list: opt-outs of the month processed later than $late_hours, or not at all; local
-- times in $tz.
SELECT event_id, patient_id, channel, purpose, method,
    strftime(timezone($tz, occurred_at), '%Y-%m-%d %H:%M') AS occurred_local,
    coalesce(strftime(timezone($tz, processed_at), '%Y-%m-%d %H:%M'), 'not processed')
        AS processed_local,
    round(epoch(processed_at - occurred_at) / 3600.0, 1) AS hours
FROM consent_events
WHERE action = 'opt_out'
  AND in_months(occurred_at)
  AND (processed_at IS NULL OR epoch(processed_at - occurred_at) / 3600.0 > $late_hours)
ORDER BY occurred_at, event_id
