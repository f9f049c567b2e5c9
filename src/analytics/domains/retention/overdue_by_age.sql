-- Records held at the end of $as_of, not on hold and overdue for destruction, by record
-- class and how long overdue.
SELECT record_class AS "record class",
    CASE WHEN $as_of - disposal_due <= 365 THEN 'up to 1 year'
         WHEN $as_of - disposal_due <= 3 * 365 THEN '1 to 3 years'
         ELSE 'over 3 years' END AS overdue_by,
    count(*) AS records
FROM record_retention
WHERE created_date <= $as_of AND (disposed_date IS NULL OR disposed_date > $as_of)
  AND NOT legal_hold AND disposal_due < $as_of
GROUP BY ALL
