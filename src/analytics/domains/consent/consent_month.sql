-- The months the figures are computed for, as instants: the first month's first local
-- midnight and the midnight after the last month. Binds $tz, $span_first (the first day) and
-- $span_last (the last day). One month for a report; a year or more when a back-fill or the
-- overview's history computes its months in one pass (every per-message table below is
-- built once for all of them, and the figures are grouped by month).
SELECT timezone($tz, $span_first::TIMESTAMP) AS start_ts,
    timezone($tz, ($span_last + 1)::TIMESTAMP) AS end_ts
