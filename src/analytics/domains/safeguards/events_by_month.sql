-- The access log's events per period of `periods`: how the review sizes its passes.
SELECT month_of(accessed_at) AS period, count(*) AS events
FROM access_log WHERE in_months(accessed_at) GROUP BY ALL
