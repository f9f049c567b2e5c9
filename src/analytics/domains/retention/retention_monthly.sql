-- Per period of `periods` (consecutive, $n of them, the first with month index $m0) and
-- record class of `segment_grid` (and 'all'): every retention figure, in one pass.
-- Each figure counts records over a run of months: the runs are clamped to the periods
-- and spread over them.
WITH months AS (
    SELECT period, row_number() OVER (ORDER BY period) - 1 AS k FROM periods
),
-- month indices relative to the first month (k = 0 .. n - 1)
runs AS (
    SELECT record_class, on_hold, not_on_hold, premature, records,
        created_m - $m0 AS held_from,
        coalesce(disposed_m - $m0 - 1, $n) AS held_to,
        -- no due date (a class the policy does not schedule): never due
        coalesce(overdue_m - $m0, $n) AS overdue_from,
        coalesce(due_from_m - $m0, $n) AS due_from,
        coalesce(due_m - $m0 - 1, -1) AS due_to,
        disposed_m - $m0 AS disposed_k
    FROM retention_runs
),
clamped AS (
    SELECT record_class, on_hold, not_on_hold, premature,
        greatest(held_from, 0) AS held_from, least(held_to, $n) AS held_to,
        greatest(held_from, overdue_from, 0) AS overdue_from,
        greatest(held_from, due_from, 0) AS due_from,
        least(held_to, due_to, $n) AS due_to,
        CASE WHEN disposed_k BETWEEN 0 AND $n - 1 THEN disposed_k END AS disposed_k,
        sum(records) AS records
    FROM runs GROUP BY ALL
),
counted AS (
    SELECT months.period,
        CASE WHEN grouping(clamped.record_class) = 1 THEN 'all' ELSE clamped.record_class END
            AS segment,
        sum(records) FILTER (months.k BETWEEN held_from AND held_to) AS held,
        sum(records) FILTER (not_on_hold AND months.k BETWEEN overdue_from AND held_to)
            AS overdue_disposal,
        sum(records) FILTER (disposed_k = months.k AND premature) AS premature_disposals,
        sum(records) FILTER (disposed_k = months.k AND on_hold) AS disposed_under_hold,
        sum(records) FILTER (not_on_hold AND months.k BETWEEN due_from AND due_to)
            AS due_next_90_days,
        sum(records) FILTER (disposed_k = months.k) AS disposed,
        sum(records) FILTER (on_hold AND months.k BETWEEN held_from AND held_to)
            AS on_legal_hold
    FROM months CROSS JOIN clamped
    GROUP BY GROUPING SETS ((months.period, clamped.record_class), (months.period))
)
SELECT grid.period, grid.segment,
    coalesce(held, 0)::BIGINT AS held,
    coalesce(overdue_disposal, 0)::BIGINT AS overdue_disposal,
    coalesce(premature_disposals, 0)::BIGINT AS premature_disposals,
    coalesce(disposed_under_hold, 0)::BIGINT AS disposed_under_hold,
    coalesce(due_next_90_days, 0)::BIGINT AS due_next_90_days,
    coalesce(disposed, 0)::BIGINT AS disposed,
    coalesce(on_legal_hold, 0)::BIGINT AS on_legal_hold
FROM segment_grid grid LEFT JOIN counted USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
