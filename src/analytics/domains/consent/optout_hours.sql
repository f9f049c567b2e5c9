-- Hours from opt-out to processing, per opt-out of the month (for a histogram).
SELECT channel, method, epoch(processed_at - occurred_at) / 3600.0 AS hours
FROM consent_events
WHERE action = 'opt_out' AND processed_at IS NOT NULL AND in_months(occurred_at)
