-- The officer's list: disclosures in the one month of `periods` that broke a restriction,
-- with the restriction(s) they broke. Binds $tz.
SELECT disclosure_id AS "disclosure", patient_id AS "patient",
    strftime(timezone($tz, disclosed_at), '%Y-%m-%d %H:%M')
        AS "disclosed (local)",
    recipient_name AS "recipient", recipient_type AS "recipient type", purpose,
    restrictions_broken AS "restriction broken",
    coalesce(authorization_id, '') AS "authorization (does not exempt)"
FROM disclosure_breaks WHERE in_months(disclosed_at)
ORDER BY disclosed_at, disclosure_id
