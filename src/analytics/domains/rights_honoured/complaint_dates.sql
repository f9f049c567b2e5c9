-- One row per complaint: its local dates, due date (received + $resolve_days calendar
-- days) and days to resolve. Binds $tz and $resolve_days.
SELECT complaints.*,
    timezone($tz, received_at)::DATE AS received_date,
    timezone($tz, resolved_at)::DATE AS resolved_date,
    timezone($tz, received_at)::DATE + $resolve_days AS due_date,
    timezone($tz, resolved_at)::DATE - timezone($tz, received_at)::DATE AS days_to_resolve
FROM complaints
