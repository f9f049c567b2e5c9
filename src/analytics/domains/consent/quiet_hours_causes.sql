-- What the month's marketing in quiet hours comes down to: its campaigns, each with the
-- states its quiet-hours texts and calls reached (aggregates only, never a patient).
SELECT CASE WHEN campaign_id IS NULL THEN 'no campaign named'
            ELSE 'campaign ' || campaign_id END AS cause,
    CASE WHEN count(state) = 0 THEN 'where the patients live is not on file'
         ELSE 'to ' || string_agg(DISTINCT state, ', ' ORDER BY state) END AS detail,
    count(*) AS items
FROM quiet_hours_checked
WHERE quiet AND in_months(sent_at)
GROUP BY campaign_id
ORDER BY items DESC, cause
