-- The 11 CCR 7102 table: CCPA requests received from $start through $as_of, per type in
-- $types and 'all'; answered ones by outcome, and the days they took.
WITH year_requests AS (
    SELECT * FROM request_deadlines
    WHERE regime = 'ccpa' AND list_contains($types, request_type)
      AND received_date BETWEEN $start AND $as_of
),
segments AS (SELECT DISTINCT request_type AS segment FROM year_requests UNION SELECT 'all'),
tagged AS (
    SELECT year_requests.*, segments.segment
    FROM year_requests
    JOIN segments ON segments.segment IN (year_requests.request_type, 'all')
),
answered AS (
    SELECT *, closed_date <= $as_of AND outcome IN ('fulfilled', 'partial', 'denied')
        AS answered FROM tagged
)
SELECT segment,
    count(*) AS received,
    count(*) FILTER (answered AND outcome IN ('fulfilled', 'partial')) AS complied,
    count(*) FILTER (answered AND outcome = 'denied') AS denied,
    count(*) FILTER (answered AND outcome = 'denied' AND denial_reason = 'exempt_phi')
        AS denied_exempt_phi,
    median(days_to_close) FILTER (answered) AS median_days,
    avg(days_to_close) FILTER (answered) AS mean_days
FROM answered GROUP BY segment ORDER BY segment = 'all', segment
