-- What the month's marketing without consent on record comes down to: its campaigns and
-- channels (aggregates only, never a patient).
SELECT CASE WHEN campaign_id IS NULL THEN 'no campaign named'
            ELSE 'campaign ' || campaign_id END AS cause,
    'by ' || string_agg(DISTINCT channel, ', ' ORDER BY channel) AS detail,
    count(*) AS items
FROM marketing_checked
WHERE state IS NULL AND in_months(sent_at)
GROUP BY campaign_id
ORDER BY items DESC, cause
