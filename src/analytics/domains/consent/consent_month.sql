-- The months the figures are computed for, as instants: the first month's first local
-- midnight and the midnight after the last month. Binds $tz, $first (the first day) and
-- $last (the last day). One month for a report; a year or more when a back-fill or the
-- overview's history computes its months in one pass (every per-message table below is
-- built once for all of them, and the figures are grouped by month).
SELECT timezone($tz, $first::TIMESTAMP) AS start_ts,
    timezone($tz, ($last + 1)::TIMESTAMP) AS end_ts
