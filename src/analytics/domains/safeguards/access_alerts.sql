-- One row per access event of the months of `periods` and rule it raises (from
-- `access_review`), for the officer's lists.
SELECT period, access_id, member_id, role, patient_id, local_ts, action, unnest(rules) AS rule
FROM access_review
WHERE len(rules) > 0
