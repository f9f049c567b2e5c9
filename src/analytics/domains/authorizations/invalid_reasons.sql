-- What the month's disclosures under an authorization that did not allow them come down
-- to: the first reason against each (revoked, expired, out of scope...) and the kinds of
-- recipient (aggregates only, never a patient).
SELECT authorization_reason AS cause,
    'to ' || string_agg(DISTINCT replace(recipient_type, '_', ' '), ', '
                        ORDER BY replace(recipient_type, '_', ' ')) AS detail,
    count(*) AS items
FROM disclosures_authorized
WHERE in_months(disclosed_at) AND authorization_reason IS NOT NULL
GROUP BY authorization_reason
ORDER BY items DESC, cause
