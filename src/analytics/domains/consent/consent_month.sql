-- The report's month as instants: its first local midnight and the next month's.
-- Binds $tz, $first (the first day) and $last (the last day).
SELECT timezone($tz, $first::TIMESTAMP) AS start_ts,
    timezone($tz, ($last + 1)::TIMESTAMP) AS end_ts
