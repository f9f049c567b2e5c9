-- Per period of `periods` and purpose of `segment_grid` (and 'all'): every disclosure
-- figure, in one pass.
WITH counted AS (
    SELECT period,
        CASE WHEN grouping(purpose) = 1 THEN 'all' ELSE purpose END AS segment,
        count(*) AS total,
        count(*) FILTER (accountable) AS accountable,
        count(*) FILTER (ba_without_baa) AS ba_without_baa,
        count(*) FILTER (marketing_without_authorization) AS marketing_without_authorization,
        count(*) FILTER (sms_data_shared) AS sms_data_shared,
        count(*) FILTER (to_business_associate) AS to_business_associates
    FROM (SELECT month_of(disclosed_at) AS period, purpose, accountable, ba_without_baa,
              marketing_without_authorization, sms_data_shared, to_business_associate
          FROM disclosure_checks WHERE in_months(disclosed_at))
    GROUP BY GROUPING SETS ((period, purpose), (period))
)
SELECT grid.period, grid.segment,
    coalesce(total, 0) AS total, coalesce(accountable, 0) AS accountable,
    coalesce(ba_without_baa, 0) AS ba_without_baa,
    coalesce(marketing_without_authorization, 0) AS marketing_without_authorization,
    coalesce(sms_data_shared, 0) AS sms_data_shared,
    coalesce(to_business_associates, 0) AS to_business_associates
FROM segment_grid grid LEFT JOIN counted USING (period, segment)
ORDER BY grid.period, grid.segment = 'all', grid.segment
