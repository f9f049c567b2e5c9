-- Officer list: the authorizations in force on the as-of date whose end date (for
-- `mhmda` the earlier of `expires_on` and the anniversary) falls in the next $horizon
-- days, soonest first: renew them before a disclosure needs them.
SELECT authorization_id, patient_id, regime, signed_date AS signed, ends_on,
    ends_on - $as_of::DATE AS days_left, purposes, recipient_type, recipient_name
FROM authorization_checks
WHERE defect IS NULL AND signed_date <= $as_of
  AND (revoked_date IS NULL OR revoked_date > $as_of)
  AND ends_on > $as_of AND ends_on <= $as_of::DATE + $horizon::INTEGER
ORDER BY ends_on, authorization_id
