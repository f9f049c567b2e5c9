-- Per period of `periods`, every authorizations figure, long (figure, period, segment,
-- value): authorizations signed, revoked and expiring in the next $horizon days by regime
-- (each regime that occurs, and 'all'); defective ones signed by defect and disclosures
-- not validly authorized by reason (each that occurs, in $defects and $reasons order, and
-- 'all'); disclosures checked by purpose; Washington sales without a valid MHMDA
-- authorization. "In the period" is by the local date of the timestamp named.
WITH regimes AS (SELECT DISTINCT regime AS segment FROM authorization_checks),
by_regime AS (
    SELECT p.period, a.regime,
        a.signed_date BETWEEN p.first_day AND p.as_of AS signed,
        coalesce(a.revoked_date BETWEEN p.first_day AND p.as_of, false) AS revoked,
        a.defect IS NULL AND a.signed_date <= p.as_of
            AND (a.revoked_date IS NULL OR a.revoked_date > p.as_of)
            AND a.ends_on > p.as_of AND a.ends_on <= p.as_of + $horizon::INTEGER AS expiring
    FROM periods p CROSS JOIN authorization_checks a
),
regime_counts AS (
    SELECT period, CASE WHEN grouping(regime) = 1 THEN 'all' ELSE regime END AS segment,
        count(*) FILTER (signed) AS signed, count(*) FILTER (revoked) AS revoked,
        count(*) FILTER (expiring) AS expiring
    FROM by_regime GROUP BY GROUPING SETS ((period, regime), (period))
),
regime_grid AS (
    SELECT p.period, s.segment FROM periods p
    CROSS JOIN (SELECT segment FROM regimes UNION ALL SELECT 'all') s
),
defective AS (
    SELECT p.period, a.defect FROM periods p
    JOIN authorization_checks a ON a.signed_date BETWEEN p.first_day AND p.as_of
    WHERE a.defect IS NOT NULL
),
checked AS MATERIALIZED (
    SELECT month_of(disclosed_at) AS period, purpose, authorization_id IS NOT NULL AS cites,
        authorization_reason AS reason,
        purpose = 'sale' AND patient_id IN (SELECT patient_id FROM washington_consumers)
            AND NOT (authorization_id IS NOT NULL AND authorization_reason IS NULL
                     AND authorization_regime = 'mhmda') AS wa_sale_without_mhmda
    FROM disclosures_authorized
    WHERE in_months(disclosed_at)
      AND (authorization_id IS NOT NULL OR purpose = 'sale')
),
purpose_grid AS (
    SELECT p.period, s.segment FROM periods p
    CROSS JOIN (SELECT purpose AS segment FROM checked_purposes UNION ALL SELECT 'all') s
),
purpose_counts AS (
    SELECT period, CASE WHEN grouping(purpose) = 1 THEN 'all' ELSE purpose END AS segment,
        count(*) AS n
    FROM checked WHERE cites
    GROUP BY GROUPING SETS ((period, purpose), (period))
),
grouped AS (
    SELECT 'signed' AS figure, g.period, g.segment, coalesce(c.signed, 0) AS value
    FROM regime_grid g LEFT JOIN regime_counts c USING (period, segment)
    UNION ALL
    SELECT 'revoked', g.period, g.segment, coalesce(c.revoked, 0)
    FROM regime_grid g LEFT JOIN regime_counts c USING (period, segment)
    UNION ALL
    SELECT 'expiring_next_30_days', g.period, g.segment, coalesce(c.expiring, 0)
    FROM regime_grid g LEFT JOIN regime_counts c USING (period, segment)
    UNION ALL
    SELECT 'defective', period, defect, count(*) FROM defective GROUP BY ALL
    UNION ALL
    SELECT 'defective', p.period, 'all', count(d.defect)
    FROM periods p LEFT JOIN defective d USING (period) GROUP BY ALL
    UNION ALL
    SELECT 'disclosures_checked', g.period, g.segment, coalesce(c.n, 0)
    FROM purpose_grid g LEFT JOIN purpose_counts c USING (period, segment)
    UNION ALL
    SELECT 'disclosures_invalid', period, reason, count(*)
    FROM checked WHERE reason IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'disclosures_invalid', p.period, 'all', count(c.reason)
    FROM periods p LEFT JOIN checked c USING (period) GROUP BY ALL
    UNION ALL
    SELECT 'wa_sales_without_mhmda', p.period, 'all',
        count(*) FILTER (c.wa_sale_without_mhmda)
    FROM periods p LEFT JOIN checked c USING (period) GROUP BY ALL
)
SELECT * FROM grouped
ORDER BY period, figure,
    segment = 'all',
    coalesce(list_position($defects::VARCHAR[], segment),
             list_position($reasons::VARCHAR[], segment), 0),
    segment
