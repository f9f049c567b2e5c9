-- Disclosures not validly authorized per period of `periods` and reason (each reason in
-- $reasons), for the twelve-month trend.
WITH counted AS (
    SELECT month_of(disclosed_at) AS period, authorization_reason AS segment, count(*) AS n
    FROM disclosures_authorized
    WHERE in_months(disclosed_at) AND authorization_reason IS NOT NULL
    GROUP BY ALL
)
SELECT p.period, r.segment, coalesce(c.n, 0) AS disclosures
FROM periods p CROSS JOIN (SELECT unnest($reasons::VARCHAR[]) AS segment) r
LEFT JOIN counted c USING (period, segment)
ORDER BY p.period, list_position($reasons::VARCHAR[], r.segment)
