-- Officer list: keyword opt-outs of the month whose first confirmation came more than
-- $confirmation_minutes after the opt-out text, at the patient's local time and zone.
SELECT optout.event_id, optout.patient_id, optout.channel, optout.source_message_id,
    strftime(timezone(coalesce(place.time_zone, $tz), optout.requested_at),
             '%Y-%m-%d %H:%M:%S') AS opt_out_local,
    optout.confirmation_id,
    strftime(timezone(coalesce(place.time_zone, $tz), optout.confirmed_at),
             '%Y-%m-%d %H:%M:%S') AS confirmed_local,
    coalesce(place.time_zone, $tz) AS time_zone,
    round(epoch(optout.confirmed_at - optout.requested_at) / 60.0, 1) AS minutes_after,
    'within ' || $confirmation_minutes || ' min' AS rule
FROM keyword_confirmations optout LEFT JOIN patient_places place USING (patient_id)
WHERE optout.confirmed_at > optout.requested_at + to_minutes($confirmation_minutes)
  AND in_months(optout.requested_at)
ORDER BY optout.requested_at, optout.event_id
