-- Officer list: the defective authorizations on file on the as-of date (signed by then,
-- not revoked by then), newest first, with their defect and the disclosures that cited
-- each up to the as-of date (a defective authorization allows none).
SELECT a.authorization_id, a.patient_id, a.regime, a.signed_date AS signed, a.defect,
    a.signed_date >= $first AS signed_this_month, a.purposes, a.recipient_type,
    a.recipient_name, a.data_categories, a.expires_on, a.states_remuneration,
    (SELECT count(*) FROM disclosures d
     WHERE d.authorization_id = a.authorization_id
       AND d.disclosed_at < timezone($tz, ($as_of + 1)::TIMESTAMP)) AS disclosures_citing
FROM authorization_checks a
WHERE a.defect IS NOT NULL AND a.signed_date <= $as_of
  AND (a.revoked_date IS NULL OR a.revoked_date > $as_of)
ORDER BY a.signed_date DESC, a.authorization_id
