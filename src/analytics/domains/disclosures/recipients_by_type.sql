-- Disclosures per period of `periods` and recipient type (every type that occurs).
WITH types AS (SELECT DISTINCT recipient_type FROM disclosures),
counted AS (
    SELECT month_of(disclosed_at) AS period, recipient_type, count(*) AS disclosures
    FROM disclosures WHERE in_months(disclosed_at) GROUP BY ALL
)
SELECT periods.period, types.recipient_type AS segment,
    coalesce(counted.disclosures, 0) AS disclosures
FROM periods CROSS JOIN types
LEFT JOIN counted
  ON counted.period = periods.period AND counted.recipient_type = types.recipient_type
ORDER BY periods.period, types.recipient_type
