-- Each marketing text or call (sms, phone) of the months computed at its local time in
-- the patient's zone (else the clinic's, $tz), against the window allowed that weekday
-- where the patient is: the state's row of calling_windows when it lists the state, else
-- the federal row (state NULL). Start inclusive, end exclusive: 20:59:59 is allowed,
-- 21:00 not.
WITH marketing AS (
    SELECT message.message_id, message.patient_id, message.channel, message.campaign_id,
        message.sent_at
    FROM consent_messages message, consent_month
    WHERE message.direction = 'outbound' AND message.purpose = 'marketing'
      AND message.channel IN ('sms', 'phone')
      AND message.sent_at >= start_ts AND message.sent_at < end_ts
),
placed AS (
    SELECT marketing.*, place.state, coalesce(place.time_zone, $tz) AS time_zone,
        place.time_zone IS NULL AS in_clinic_zone,
        timezone(coalesce(place.time_zone, $tz), marketing.sent_at) AS local_at
    FROM marketing LEFT JOIN patient_places place USING (patient_id)
)
SELECT placed.*,
    coalesce(state_window.allowed_from, federal.allowed_from) AS allowed_from,
    coalesce(state_window.allowed_until, federal.allowed_until) AS allowed_until,
    coalesce(state_window.rule, federal.rule) AS rule,
    NOT (placed.local_at::TIME >= coalesce(state_window.allowed_from, federal.allowed_from)
         AND placed.local_at::TIME < coalesce(state_window.allowed_until, federal.allowed_until))
        AS quiet
FROM placed
JOIN calling_windows federal
  ON federal.state IS NULL AND federal.isodow = isodow(placed.local_at)
LEFT JOIN calling_windows state_window
  ON state_window.state = placed.state AND state_window.isodow = isodow(placed.local_at)
